"""Passwords can be changed again at once (PASS_MIN_DAYS 0).

With no minimum age a user forced to change a password can change it straight back, which
defeats both periodic change and the password history. MLPS 2.0 level 3 (8.1.4.1 a) expects
passwords changed periodically; a minimum age is what makes that real. The check reads
``PASS_MIN_DAYS`` in ``/etc/login.defs`` (the default for new accounts) and reports a value
below the setting ``min`` (default 1), or none.

Commands run (read-only): one ``cat`` loop over the account files with ``date +%s`` (under
sudo, shared by the account checks).

Sample evidence::

    /etc/login.defs: PASS_MIN_DAYS 0 (passwords can be changed back at once; want 1 or more)
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._accounts import COMMAND, LOGIN_DEFS, accounts
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


class PasswordMinDays(Check):
    id = "host.password-min-days"
    title = "Passwords can be changed back at once (no minimum age)"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-262", "MLPS-8.1.4.1a")
    remediation = (
        "Set PASS_MIN_DAYS 1 in /etc/login.defs, and for existing accounts chage -m 1 NAME."
    )
    commands = ("sudo " + COMMAND,)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        found = accounts(target, ctx)
        value = found.login_defs.get("PASS_MIN_DAYS", "")
        want = int(ctx.setting("min", 1))
        if value.isdigit() and int(value) >= want:
            return
        said = f"PASS_MIN_DAYS {value}" if value else "no PASS_MIN_DAYS"
        yield self.finding(
            target,
            f"{LOGIN_DEFS}: {said} (passwords can be changed back at once; want {want} or more)",
            location="login.defs PASS_MIN_DAYS",
        )
