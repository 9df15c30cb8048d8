"""Passwords never (or too rarely) have to be changed.

``PASS_MAX_DAYS`` in ``/etc/login.defs`` is the default maximum password age of new accounts;
Debian ships 99999 (never). The check reads it and reports a value above the setting ``max``
(default 90 days, as MLPS 2.0 level 3 assessments expect), or no value at all.

Commands run (read-only): ``cat /etc/login.defs``.

Sample evidence::

    /etc/login.defs: PASS_MAX_DAYS 99999 (more than 90)
"""

from __future__ import annotations

import re
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

# [^\S\n]*, not \s*, after ^: \s* would run on over every following blank line, and a file of
# blank lines would take quadratic time.
MAX_DAYS = re.compile(r"^[^\S\n]*PASS_MAX_DAYS\s+(-?\d+)", re.MULTILINE)


class PasswordMaxDays(Check):
    id = "host.password-max-days"
    title = "Password maximum age is too long"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    commands = ("cat /etc/login.defs",)
    references = ("CWE-262", "MLPS-8.1.4.1a")
    remediation = (
        "Set PASS_MAX_DAYS 90 in /etc/login.defs and apply it to existing accounts with "
        "chage --maxdays 90 USER."
    )

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        defs = ctx.ssh_run(target, "cat /etc/login.defs")
        if defs.exit_status != 0:
            raise Inconclusive("/etc/login.defs could not be read")
        limit = int(ctx.setting("max", 90))
        match = MAX_DAYS.search(defs.text)
        if match is None:
            yield self.finding(
                target,
                "/etc/login.defs sets no PASS_MAX_DAYS (never expires)",
                location="login.defs PASS_MAX_DAYS",
            )
            return
        days = int(match.group(1))
        if days < 0 or days > limit:
            yield self.finding(
                target,
                f"/etc/login.defs: PASS_MAX_DAYS {days} (more than {limit})",
                location="login.defs PASS_MAX_DAYS",
                detail={"days": days},
            )
