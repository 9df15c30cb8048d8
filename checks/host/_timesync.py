"""The time synchronisation daemons an audited host may run, and whether their configuration
names a time source.

Each :class:`Daemon` lists where it is configured, the line that names a time source in its
language, and the service names that start it (which :mod:`checks.host._units` finds enabled).
systemd-timesyncd needs no configuration: it falls back to compiled-in servers unless both
``NTP=`` and ``FallbackNTP=`` are set empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from checks.host._files import Files


@dataclass(frozen=True)
class Daemon:
    """One time synchronisation service: its configuration files, the lines naming a time
    source, and the service names that start it."""

    name: str
    configs: tuple[str, ...]
    source: re.Pattern[str] | None  # None: works without configuration (timesyncd)
    services: tuple[str, ...]


# [^\S\n]*, not \s*, after ^: \s* would run on over every following blank line, and a file of
# blank lines would take quadratic time.
DAEMONS = (
    Daemon(
        "systemd-timesyncd",
        ("/etc/systemd/timesyncd.conf", "/etc/systemd/timesyncd.conf.d/"),
        None,
        ("systemd-timesyncd",),
    ),
    Daemon(
        "chrony",
        (
            "/etc/chrony/chrony.conf",
            "/etc/chrony.conf",
            "/etc/chrony/conf.d/",
            "/etc/chrony/sources.d/",
        ),
        re.compile(r"^[^\S\n]*(server|pool|peer|refclock)\s+\S", re.MULTILINE),
        ("chrony", "chronyd"),
    ),
    Daemon(
        "ntpd",
        ("/etc/ntp.conf", "/etc/ntpsec/ntp.conf"),
        re.compile(r"^[^\S\n]*(server|pool|peer)\s+\S", re.MULTILINE),
        ("ntp", "ntpd", "ntpsec"),
    ),
    Daemon(
        "OpenNTPD",
        ("/etc/openntpd/ntpd.conf", "/etc/ntpd.conf"),
        re.compile(r"^[^\S\n]*(servers?|sensor)\s+\S", re.MULTILINE),
        ("openntpd", "ntpd"),
    ),
)


def timesyncd_servers(files: Files) -> bool:
    """False only when timesyncd.conf sets both NTP= and FallbackNTP= to nothing."""
    values: dict[str, str] = {}
    main = [p for p in ("/etc/systemd/timesyncd.conf",) if p in files.texts]
    for path in main + sorted(files.existing("/etc/systemd/timesyncd.conf.d/")):
        for line in files.texts[path].splitlines():
            if m := re.match(r"\s*(NTP|FallbackNTP)\s*=(.*)$", line):
                values[m.group(1)] = m.group(2).strip()
    return values.get("NTP", "x") != "" or values.get("FallbackNTP", "x") != ""


#: Every file :data:`DAEMONS` read (shell globs for the ``.d`` folders), in reading order.
CONFIG_FILES = (
    "/etc/systemd/timesyncd.conf",
    "/etc/systemd/timesyncd.conf.d/*.conf",
    "/etc/chrony/chrony.conf",
    "/etc/chrony.conf",
    "/etc/chrony/conf.d/*.conf",
    "/etc/chrony/sources.d/*.sources",
    "/etc/ntp.conf",
    "/etc/ntpsec/ntp.conf",
    "/etc/openntpd/ntpd.conf",
    "/etc/ntpd.conf",
)
