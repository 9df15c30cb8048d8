"""sudo gives full root to accounts that are not administrators.

MLPS 2.0 level 3 (8.1.4.2 d) expects administrative users to get only the privileges they
need. A rule granting every command as any user (``ALL=(ALL) ALL``, ``ALL=(root) ALL``) makes
its users full administrators; on a managed host that belongs to root and the admin group
(``%sudo`` on Debian, ``%wheel`` on Red Hat, ``%admin``), or to the groups in the setting
``admins``. The check reports each other rule whose commands include ``ALL``, located at its
users. Rules for the account the audit logs in with are left out unless the setting
``include_login_user`` is true.

Commands run (read-only): the sudoers ``cat`` loop (under sudo, shared by the sudo checks);
``id -un``.

Sample evidence::

    /etc/sudoers.d/lab-weak: labops ALL=(ALL) ALL (every command as root for a user that is
    not an administrator)
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._sudoers import ADMINS, COMMAND, WHOAMI, judged, rules, sudoers
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    Mode,
    OnsiteTarget,
    Severity,
)


class SudoBroadGrant(Check):
    id = "host.sudo-broad-grant"
    title = "sudo gives full root to an account that is not an administrator"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-250", "MLPS-8.1.4.2d")
    remediation = (
        "Give full sudo only to the administrators' group (%sudo or %wheel) and list the "
        "exact commands each other user or group needs in its rule (visudo -f "
        "/etc/sudoers.d/FILE), e.g. 'backup ALL=(root) /usr/bin/rsync'."
    )
    commands = ("sudo " + COMMAND, WHOAMI)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        found = sudoers(target, ctx)
        admins = set(ctx.setting("admins", list(ADMINS)))
        include = bool(ctx.setting("include_login_user", False))
        for rule in rules(found.files):
            if "ALL" not in rule.commands or not judged(rule, found.login_user, include):
                continue
            others = [w for w in rule.who if w not in admins]
            if others:
                yield self.finding(
                    target,
                    f"{rule.path}: {rule.text} (every command as root for "
                    f"{', '.join(others)}, not an administrator)",
                    location=f"sudo rule {','.join(rule.who)}",
                )
