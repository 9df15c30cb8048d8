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

from collections.abc import Iterator

from checks.host._files import Files, cat_command, parse_files
from checks.host._timesync import CONFIG_FILES, DAEMONS, timesyncd_servers
from checks.host._units import LINKS, SERVICE_DIRS, Services, services
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
COMMAND = cat_command(CONFIG_FILES)


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
    references = ("CWE-778", "MLPS-8.1.4.3b")
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
