"""host.time-sync-missing on the on-site lab hosts (no time service enabled on the weak host,
one on the hardened host), and its verdict over configuration files and service links."""

from __future__ import annotations

import pytest

from checks.host._files import Files, parse_files
from checks.host._units import services
from checks.host.time_sync_missing import verdict
from scanner.api import Inconclusive
from tests.checks.host.lab_onsite import Audit, recorded

ID = "host.time-sync-missing"
END = "#=scanner-end=#\n"
SYSTEMD = "dir /etc/systemd/system\n"


@pytest.mark.lab
def test_weak_host_synchronises_nothing(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "time synchronisation",
            "low",
            "no time synchronisation enabled: systemd-timesyncd not enabled; no chrony, ntpd or "
            "OpenNTPD configuration",
        )
    }


@pytest.mark.lab
def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")


def test_verdicts_on_recorded_hosts() -> None:
    for host, ok in (("weak", False), ("hardened", True)):
        files, _ = parse_files(recorded(host, "timesync-files"), "time")
        assert verdict(files, services(recorded(host, "links").text))[0] is ok, host


def test_timesyncd_enabled_unless_masked_or_without_servers() -> None:
    wants = "link /etc/systemd/system/sysinit.target.wants/systemd-timesyncd.service -> /x\n"
    assert verdict(Files({}, ()), services(wants + SYSTEMD + END)) == (
        True,
        "systemd-timesyncd enabled",
    )
    masked = "link /etc/systemd/system/systemd-timesyncd.service -> /dev/null\n"
    assert not verdict(Files({}, ()), services(wants + masked + SYSTEMD + END))[0]
    empty = {"/etc/systemd/timesyncd.conf": "[Time]\nNTP=\nFallbackNTP=\n"}
    assert verdict(Files(empty, ()), services(wants + SYSTEMD + END)) == (
        False,
        "systemd-timesyncd has no NTP server (NTP= and FallbackNTP= empty); "
        "no chrony, ntpd or OpenNTPD configuration",
    )


def test_configured_but_not_enabled() -> None:
    chrony = {"/etc/chrony/chrony.conf": "pool 2.debian.pool.ntp.org iburst\n"}
    assert verdict(Files(chrony, ()), services(SYSTEMD + END)) == (
        False,
        "systemd-timesyncd not enabled; chrony configured but not enabled; "
        "no ntpd or OpenNTPD configuration",
    )
    with pytest.raises(Inconclusive, match="cannot tell whether it is enabled"):
        verdict(Files(chrony, ()), services(END))  # no service folder at all


def test_garbage_names_no_time_source() -> None:
    garbage = {"/etc/ntp.conf": "\x00\xff servers\n" + "x" * 100_000}
    assert verdict(Files(garbage, ()), services(SYSTEMD + END))[1].endswith(
        "ntpd names no time source (/etc/ntp.conf); no chrony or OpenNTPD configuration"
    )
