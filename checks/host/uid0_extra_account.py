"""Accounts other than root with user id 0.

An extra account with UID 0 is root under another name: a classic backdoor, and it escapes
every control written for "root". The check reads ``/etc/passwd`` (readable by any user) and
reports each account other than ``root`` whose UID is 0, one finding per account.

Commands run (read-only): ``cat /etc/passwd``.

Sample evidence::

    /etc/passwd: toor:x:0:0:root:/root:/bin/bash
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


class Uid0ExtraAccount(Check):
    id = "host.uid0-extra-account"
    title = "Account other than root has user id 0"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.CRITICAL
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    commands = ("cat /etc/passwd",)
    references = ("CWE-250", "MLPS-8.1.4.2b", "MLPS-8.1.4.2d", "CSL-21")
    remediation = (
        "Find out who created the account and why; remove it (userdel) or give it its own "
        "non-zero UID, and review what it was used for in the logs."
    )

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        passwd = ctx.ssh_run(target, "cat /etc/passwd")
        if passwd.exit_status != 0 or ":" not in passwd.text:
            raise Inconclusive("/etc/passwd could not be read")
        for line in passwd.text.splitlines():
            fields = line.split(":")
            if len(fields) >= 7 and fields[2] == "0" and fields[0] != "root":
                yield self.finding(target, f"/etc/passwd: {line}", location=f"account {fields[0]}")
