"""Modes and owners of files on an audited host, read with one ``stat`` command shared by the
permission checks (account files, cron). A path that does not exist prints nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass

from checks.host._output import END, complete
from scanner.api import CheckContext, OnsiteTarget, one_line

ACCOUNT_FILES = ("/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow")
CRON = (
    "/etc/crontab",
    "/etc/cron.hourly",
    "/etc/cron.daily",
    "/etc/cron.weekly",
    "/etc/cron.monthly",
    "/etc/cron.d",
    "/etc/cron.allow",
    "/etc/cron.deny",
    "/etc/at.allow",
    "/etc/at.deny",
)
COMMAND = (
    f"stat -c '%a %U %G %F|%n' -- {' '.join((*ACCOUNT_FILES, *CRON))} 2>/dev/null; echo '{END}'"
)
LINE = re.compile(r"^([0-7]{3,4}) (\S+) (\S+) ([^|]+)\|(/\S*)$")


@dataclass(frozen=True)
class Mode:
    """One path's mode, owner, group and type (``regular file``, ``directory`` ...)."""

    mode: int
    owner: str
    group: str
    kind: str


def modes(target: OnsiteTarget, ctx: CheckContext) -> dict[str, Mode]:
    """path -> :class:`Mode` of the paths that exist (one command per host and run)."""
    result = ctx.ssh_run(target, COMMAND)
    found = {}
    for line in complete(result.text, "stat", result.truncated):
        if m := LINE.match(line):
            found[m.group(5)] = Mode(
                int(m.group(1), 8), one_line(m.group(2), 40), one_line(m.group(3), 40), m.group(4)
            )
    return found
