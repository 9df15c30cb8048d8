"""sudo lets users run commands as root without their password.

MLPS 2.0 level 3 (8.1.4.2 d) expects least privilege and separated administration; a
``NOPASSWD`` rule (or ``Defaults !authenticate``) lets anyone who gets that account's session,
or a process running as it, become root with no further proof. The check reads
``/etc/sudoers`` and ``/etc/sudoers.d/*`` (root only) and reports each rule tagged
``NOPASSWD``, located at the rule's users. Rules for the account the audit logs in with are
left out (they were set up for the inspection); the setting ``include_login_user: true``
judges them too.

Commands run (read-only): one ``cat`` loop over the sudoers files with ``stat`` (under sudo,
shared by the sudo checks); ``id -un``.

Sample evidence::

    /etc/sudoers.d/lab-weak: labdev ALL=(ALL) NOPASSWD: ALL (NOPASSWD: no password asked)
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._sudoers import COMMAND, WHOAMI, judged, no_password_defaults, rules, sudoers
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


class SudoNopasswd(Check):
    id = "host.sudo-nopasswd"
    title = "sudo runs commands as root without a password"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-269", "MLPS-8.1.4.2d")
    remediation = (
        "Remove NOPASSWD from the listed sudo rules (visudo; visudo -f /etc/sudoers.d/FILE) and "
        "'Defaults !authenticate', so sudo asks each user for their password; grant "
        "passwordless sudo only to named service commands that need it."
    )
    commands = ("sudo " + COMMAND, WHOAMI)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        found = sudoers(target, ctx)
        include = bool(ctx.setting("include_login_user", False))
        for path, line in no_password_defaults(found.files):
            yield self.finding(
                target,
                f"{path}: {line} (no password asked of anybody)",
                location="sudo Defaults !authenticate",
            )
        for rule in rules(found.files):
            if "NOPASSWD" in rule.tags and judged(rule, found.login_user, include):
                yield self.finding(
                    target,
                    f"{rule.path}: {rule.text} (NOPASSWD: no password asked)",
                    location=f"sudo rule {','.join(rule.who)}",
                )
