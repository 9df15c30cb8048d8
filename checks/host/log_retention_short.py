"""System logs are kept for less than six months.

The PRC Cybersecurity Law (article 21) requires network operators to keep network logs for no
less than six months. The check reads logrotate's configuration (``/etc/logrotate.conf`` and
every file in ``/etc/logrotate.d``) and computes, per file, how long a rotated log survives:
the rotation period (daily 1, weekly 7, monthly 30, yearly 365 days; the global default applies
where a block sets none) times ``rotate`` copies, or ``maxage`` when that is shorter. Each file
keeping logs for fewer days than the setting ``min_days`` (default 180) is a finding; a file
with ``rotate`` unlimited (``-1``) passes. Logs shipped to a central log server are not seen
here: record that in the management checklist.

Commands run (read-only): ``cat /etc/logrotate.conf /etc/logrotate.d/*`` (one file at a time,
``for f in ...; do echo "==> $f"; cat "$f"; done``).

Sample evidence::

    /etc/logrotate.d/rsyslog keeps logs for 28 days (weekly x rotate 4), less than 180
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

COMMAND = (
    'for f in /etc/logrotate.conf /etc/logrotate.d/*; do [ -f "$f" ] && echo "==> $f" '
    '&& cat "$f"; done'
)
PERIODS = {"daily": 1, "weekly": 7, "monthly": 30, "yearly": 365}
WORD = re.compile(
    r"^[ \t]*(daily|weekly|monthly|yearly|rotate|maxage)\b[ \t]*(-?\d+)?", re.MULTILINE
)


def retention(text: str, default_period: int, default_rotate: int) -> tuple[int, str]:
    """Days the shortest-lived block of one file keeps logs, and how that was computed."""
    worst: tuple[int, str] | None = None
    for block in _blocks(text):
        period, rotate, maxage = default_period, default_rotate, None
        for word, number in WORD.findall(block):
            if word in PERIODS:
                period = PERIODS[word]
            elif word == "rotate" and number:
                rotate = int(number)
            elif word == "maxage" and number:
                maxage = int(number)
        if rotate < 0:
            continue  # unlimited copies
        days = period * rotate
        how = f"{_name(period)} x rotate {rotate}"
        if maxage is not None and maxage < days:
            days, how = maxage, f"maxage {maxage}"
        if worst is None or days < worst[0]:
            worst = (days, how)
    return worst or (default_period * default_rotate, "defaults")


def _blocks(text: str) -> list[str]:
    """The ``{ ... }`` blocks of a logrotate file (the whole file when it has none)."""
    blocks = re.findall(r"\{([^}]*)\}", text)
    return blocks or [text]


def _name(period: int) -> str:
    return next((k for k, v in PERIODS.items() if v == period), f"{period} days")


class LogRetentionShort(Check):
    id = "host.log-retention-short"
    title = "System logs are kept for less than six months"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.HIGH
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    commands = (COMMAND,)
    references = ("CWE-778", "CSL-21", "MLPS-8.1.4.3c")
    remediation = (
        "Keep logs at least 180 days: in /etc/logrotate.conf and each file of /etc/logrotate.d "
        "use e.g. 'weekly' with 'rotate 26' (or 'monthly' with 'rotate 6'), or ship the logs to "
        "a central log server that keeps them six months."
    )

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        result = ctx.ssh_run(target, COMMAND)
        files = re.split(r"^==> (\S+)\n", result.text, flags=re.MULTILINE)
        if len(files) < 3:
            raise Inconclusive("no logrotate configuration found (/etc/logrotate.conf)")
        contents = dict(zip(files[1::2], files[2::2], strict=True))
        main = contents.get("/etc/logrotate.conf", "")
        default_period, default_rotate = 7, 1  # logrotate's own defaults: weekly, rotate 1 ...
        top = re.sub(r"\{[^}]*\}", "", main)
        for word, number in WORD.findall(top):  # ... unless the global section sets them
            if word in PERIODS:
                default_period = PERIODS[word]
            elif word == "rotate" and number:
                default_rotate = int(number)
        minimum = int(ctx.setting("min_days", 180))
        for path, text in contents.items():
            days, how = retention(text, default_period, default_rotate)
            if days < minimum:
                yield self.finding(
                    target,
                    f"{path} keeps logs for {days} days ({how}), less than {minimum}",
                    location=f"logrotate {path}",
                    detail={"days": days},
                )
