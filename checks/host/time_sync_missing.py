"""The host does not synchronise its clock.

Logs from several hosts can only be correlated, and certificates and Kerberos tickets only
checked, when clocks agree; MLPS 2.0 expects a common time source. The check looks for one time
synchronisation service that is both configured and enabled:

- **systemd-timesyncd**: enabled; it needs no configuration (``NTP=`` in
  ``/etc/systemd/timesyncd.conf`` or ``timesyncd.conf.d``, else the compiled-in fallback
  servers), unless both ``NTP=`` and ``FallbackNTP=`` are set empty;
- **chrony**: a ``server``, ``pool``, ``peer`` or ``refclock`` line in ``/etc/chrony/chrony.conf``,
  ``/etc/chrony.conf``, ``/etc/chrony/conf.d/*.conf`` or ``/etc/chrony/sources.d/*.sources``, and
  ``chrony``/``chronyd`` enabled;
- **ntpd / ntpsec**: a ``server``, ``pool`` or ``peer`` line in ``/etc/ntp.conf`` or
  ``/etc/ntpsec/ntp.conf``, and ``ntp``/``ntpd``/``ntpsec`` enabled;
- **OpenNTPD**: a ``server``, ``servers`` or ``sensor`` line in ``/etc/openntpd/ntpd.conf`` or
  ``/etc/ntpd.conf``, and ``openntpd``/``ntpd`` enabled.

Enabled means a symbolic link to the unit in a ``/etc/systemd/system/*.wants`` folder (what
``systemctl enable`` makes) and no mask (``/etc/systemd/system/UNIT`` linked to ``/dev/null``),
or a start link in ``/etc/rc[2-5].d`` (SysV) or ``/etc/runlevels/*`` (OpenRC). Before reading
files the check asks ``timedatectl show``: ``NTP=yes`` or ``NTPSynchronized=yes`` passes at
once; when systemd is not running the files decide. No service configured and enabled is a
finding (location ``time synchronisation``); a configured service on a host with none of these
service folders is inconclusive (enablement unknown), as is cut output.

Commands run (read-only): ``timedatectl show``, a ``cat`` loop over the files above, and a loop
printing the symbolic links of the service folders (``readlink``).

Sample evidence::

    no time synchronisation enabled: systemd-timesyncd not enabled; no chrony, ntpd or OpenNTPD
    configuration
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from checks.host._files import Files, cat_command, parse_files
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

TIMEDATECTL = "timedatectl show"
SERVICE_DIRS = (
    "/etc/systemd/system",
    "/etc/rc2.d",
    "/etc/rc3.d",
    "/etc/rc4.d",
    "/etc/rc5.d",
    "/etc/runlevels",
)
LINKS = (
    "for f in /etc/systemd/system/*.wants/* /etc/systemd/system/*.service /etc/rc[2345].d/S* "
    '/etc/runlevels/*/*; do [ -L "$f" ] && echo "link $f -> $(readlink "$f")"; done; '
    f'for d in {" ".join(SERVICE_DIRS)}; do [ -d "$d" ] && echo "dir $d"; done; '
    "echo '#=scanner-end=#'"
)


@dataclass(frozen=True)
class Daemon:
    """One time synchronisation service: its configuration files, the lines naming a time
    source, and the service names that start it."""

    name: str
    configs: tuple[str, ...]
    source: re.Pattern[str] | None  # None: works without configuration (timesyncd)
    services: tuple[str, ...]


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
        re.compile(r"^\s*(server|pool|peer|refclock)\s+\S", re.MULTILINE),
        ("chrony", "chronyd"),
    ),
    Daemon(
        "ntpd",
        ("/etc/ntp.conf", "/etc/ntpsec/ntp.conf"),
        re.compile(r"^\s*(server|pool|peer)\s+\S", re.MULTILINE),
        ("ntp", "ntpd", "ntpsec"),
    ),
    Daemon(
        "OpenNTPD",
        ("/etc/openntpd/ntpd.conf", "/etc/ntpd.conf"),
        re.compile(r"^\s*(servers?|sensor)\s+\S", re.MULTILINE),
        ("openntpd", "ntpd"),
    ),
)
COMMAND = cat_command(
    (
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
)


@dataclass(frozen=True)
class Services:
    """What the service folders show: enabled service names, masked ones, folders present."""

    enabled: frozenset[str]
    masked: frozenset[str]
    dirs: frozenset[str]


def services(text: str) -> Services:
    """Parse the LINKS command's output; ``Inconclusive`` when it is incomplete."""
    body, sep, _ = text.rpartition("#=scanner-end=#")
    if not sep:
        raise Inconclusive("listing the service links did not complete: no end mark")
    enabled, masked, dirs = set(), set(), set()
    for line in body.splitlines():
        if line.startswith("dir "):
            dirs.add(line[4:])
            continue
        link, arrow, dest = line.removeprefix("link ").partition(" -> ")
        if not line.startswith("link ") or not arrow:
            continue
        name = link.rsplit("/", 1)[-1]
        unit = name.removesuffix(".service")
        if link.startswith("/etc/systemd/system/") and link.count("/") == 4:
            if dest == "/dev/null":
                masked.add(unit)  # a unit file in /etc/systemd/system linked away: masked
            continue
        if link.startswith("/etc/rc"):
            unit = re.sub(r"^S\d*", "", name)  # S01chrony -> chrony
        enabled.add(unit)
    return Services(frozenset(enabled), frozenset(masked), frozenset(dirs))


def timesyncd_servers(files: Files) -> bool:
    """False only when timesyncd.conf sets both NTP= and FallbackNTP= to nothing."""
    values: dict[str, str] = {}
    main = [p for p in ("/etc/systemd/timesyncd.conf",) if p in files.texts]
    for path in main + sorted(files.existing("/etc/systemd/timesyncd.conf.d/")):
        for line in files.texts[path].splitlines():
            if m := re.match(r"\s*(NTP|FallbackNTP)\s*=(.*)$", line):
                values[m.group(1)] = m.group(2).strip()
    return values.get("NTP", "x") != "" or values.get("FallbackNTP", "x") != ""


def verdict(files: Files, found: Services) -> tuple[bool, str]:
    """Whether a configured service is enabled, and what was seen of each."""
    seen, configured_only = [], []
    absent = []
    for daemon in DAEMONS:
        paths = files.existing(*daemon.configs)
        if daemon.source is None:
            configured = timesyncd_servers(files)
        else:
            configured = any(daemon.source.search(files.texts[p]) for p in paths)
        on = any(s in found.enabled and s not in found.masked for s in daemon.services)
        if configured and on:
            return True, f"{daemon.name} enabled"
        if daemon.source is None:
            if not configured:
                seen.append(f"{daemon.name} has no NTP server (NTP= and FallbackNTP= empty)")
            else:
                seen.append(f"{daemon.name} not enabled")
        elif configured:
            configured_only.append(daemon.name)
            seen.append(f"{daemon.name} configured but not enabled")
        elif paths:
            seen.append(f"{daemon.name} names no time source ({', '.join(paths)})")
        else:
            absent.append(daemon.name)
    if configured_only and not found.dirs:
        raise Inconclusive(
            f"{', '.join(configured_only)} configured, but none of {', '.join(SERVICE_DIRS)} "
            "exists: cannot tell whether it is enabled"
        )
    if absent:
        names = ", ".join(absent[:-1]) + (" or " if len(absent) > 1 else "") + absent[-1]
        seen.append(f"no {names} configuration")
    return False, "; ".join(seen)


class TimeSyncMissing(Check):
    id = "host.time-sync-missing"
    title = "The host does not synchronise its clock"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-778", "MLPS-8.1.4.3")
    remediation = (
        "Synchronise the clock with the organisation's time source: enable chrony (server "
        "ADDRESS iburst in /etc/chrony/chrony.conf; systemctl enable --now chrony) or "
        "systemd-timesyncd (NTP=ADDRESS in /etc/systemd/timesyncd.conf; timedatectl set-ntp "
        "true)."
    )
    commands = (TIMEDATECTL, COMMAND, LINKS)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        status = ctx.ssh_run(target, TIMEDATECTL)
        if status.exit_status == 0:
            properties = set(status.text.split())
            if {"NTP=yes", "NTPSynchronized=yes"} & properties:
                return
        files, _ = parse_files(ctx.ssh_run(target, COMMAND), "the time service configuration")
        links = ctx.ssh_run(target, LINKS)
        ok, seen = verdict(files, services(links.text))
        if ok:
            return
        if files.unreadable:
            raise Inconclusive(f"cannot read {', '.join(files.unreadable)}")
        yield self.finding(
            target, f"no time synchronisation enabled: {seen}", location="time synchronisation"
        )
