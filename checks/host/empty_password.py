"""Accounts with an empty password hash.

An account whose password field in ``/etc/shadow`` is empty logs in with no password at all
wherever password logins are allowed (console, su, and SSH when ``PermitEmptyPasswords`` is on).
The check reads ``/etc/shadow`` (root needed: under ``sudo -n`` when the credential allows it)
and reports each such account; locked (``!``, ``*``) accounts pass. Hashes are never recorded.

Commands run (read-only): ``cat /etc/shadow``.

Sample evidence::

    /etc/shadow: account guest has an empty password hash
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    Inconclusive,
    Mode,
    OnsiteTarget,
    Severity,
)


class EmptyPassword(Check):
    id = "host.empty-password"
    title = "Account has an empty password"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.CRITICAL
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    commands = ("sudo cat /etc/shadow",)
    references = ("CWE-258", "MLPS-8.1.4.1a", "CSL-21")
    remediation = (
        "Lock the account (passwd -l) or set a strong password (passwd), and check how it came "
        "to have none."
    )

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        shadow = ctx.ssh_run(target, "cat /etc/shadow", root=True)
        if shadow.exit_status != 0 or ":" not in shadow.text:
            raise Inconclusive("/etc/shadow could not be read (root or sudo -n needed)")
        for line in shadow.text.splitlines():
            fields = line.split(":")
            if len(fields) >= 2 and fields[0] and fields[1] == "":
                yield self.finding(
                    target,
                    f"/etc/shadow: account {fields[0]} has an empty password hash",
                    location=f"account {fields[0]}",
                )
