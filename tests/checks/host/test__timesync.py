"""checks/host/_timesync.py: the time daemons' configuration, on the lab hosts' recorded files,
hand-written ones and garbage."""

from __future__ import annotations

import pytest

from checks.host._files import Files, parse_files
from checks.host._timesync import CONFIG_FILES, DAEMONS, timesyncd_servers
from tests.checks.host.lab_onsite import HOSTILE, recorded, survives

SOURCES = {d.name: d.source for d in DAEMONS}


def test_recorded_timesyncd_has_its_fallback_servers() -> None:
    files, _ = parse_files(recorded("weak", "timesync-files"), "time")
    assert "/etc/systemd/timesyncd.conf" in files.texts
    assert timesyncd_servers(files)


def test_timesyncd_servers() -> None:
    main = "/etc/systemd/timesyncd.conf"
    drop = "/etc/systemd/timesyncd.conf.d/10-x.conf"
    assert timesyncd_servers(Files({}, ()))  # compiled-in fallback servers
    assert not timesyncd_servers(Files({main: "[Time]\nNTP=\nFallbackNTP=\n"}, ()))
    assert timesyncd_servers(Files({main: "[Time]\nNTP=\nFallbackNTP=\n", drop: "NTP=a\n"}, ()))
    assert timesyncd_servers(Files({main: "[Time]\nNTP=\n"}, ()))  # fallback left alone


@pytest.mark.parametrize(
    ("daemon", "text", "named"),
    [
        ("chrony", "pool 2.debian.pool.ntp.org iburst\n", True),
        ("chrony", "  refclock PHC /dev/ptp0\n", True),
        ("chrony", "# server 192.0.2.1\nmakestep 1 3\n", False),
        ("ntpd", "server 192.0.2.1 iburst\n", True),
        ("ntpd", "servers 192.0.2.1\n", False),  # OpenNTPD's word, not ntpd's
        ("OpenNTPD", "servers pool.ntp.org\n", True),
        ("OpenNTPD", "sensor *\n", True),
    ],
)
def test_time_source_lines(daemon: str, text: str, named: bool) -> None:
    source = SOURCES[daemon]
    assert source is not None
    assert bool(source.search(text)) is named


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_configuration_names_no_source(text: str) -> None:
    for source in SOURCES.values():
        if source is not None:
            assert survives(source.search, text) is None
    files = Files({"/etc/systemd/timesyncd.conf": text}, ())
    assert survives(timesyncd_servers, files) is True


def test_every_daemon_config_is_read() -> None:
    for daemon in DAEMONS:
        for config in daemon.configs:
            assert any(path.startswith(config) for path in CONFIG_FILES), config
