"""Idle shell sessions are never logged out (no TMOUT).

MLPS 2.0 level 3 (8.1.4.1 b) expects sessions to end automatically after a time without
activity. For login shells that is ``TMOUT`` (bash, ksh and zsh log out after that many idle
seconds), set for everybody in ``/etc/profile``, ``/etc/profile.d/*.sh``, ``/etc/bash.bashrc``
or ``/etc/bashrc``, ideally ``readonly``. The check finds the active ``TMOUT=N`` assignments
there; none, or none between 1 and the setting ``max_seconds`` (default 900), is a finding.

Commands run (read-only): one ``cat`` loop over the start-up files and ``/etc/login.defs``.

Sample evidence::

    no TMOUT in /etc/profile, /etc/profile.d/*.sh, /etc/bash.bashrc, /etc/bashrc: idle shells
    stay logged in
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._profile import COMMAND, STARTUP, TMOUT, assignments, startup_files
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


class ShellTimeoutMissing(Check):
    id = "host.shell-timeout-missing"
    title = "Idle shell sessions are never logged out"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-613", "MLPS-8.1.4.1b")
    remediation = (
        "Log idle shells out after at most 15 minutes: add 'readonly TMOUT=600' and "
        "'export TMOUT' to a file in /etc/profile.d (e.g. /etc/profile.d/tmout.sh)."
    )
    commands = (COMMAND,)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        found = assignments(startup_files(target, ctx), TMOUT)
        limit = int(ctx.setting("max_seconds", 900))
        if any(0 < int(value) <= limit for _, value in found):
            return
        if not found:
            yield self.finding(
                target,
                f"no TMOUT in {', '.join(STARTUP)}: idle shells stay logged in",
                location="shell TMOUT",
            )
            return
        said = ", ".join(f"TMOUT={value} ({path})" for path, value in found[:5])
        yield self.finding(
            target,
            f"{said}: no idle timeout between 1 and {limit} seconds",
            location="shell TMOUT",
        )
