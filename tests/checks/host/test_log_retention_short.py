"""host.log-retention-short on the on-site lab hosts, and its retention arithmetic on logrotate
files (including hostile ones)."""

from __future__ import annotations

import time

import pytest

from checks.host.log_retention_short import retention
from tests.checks.host.lab_onsite import HOSTILE, Audit

ID = "host.log-retention-short"


@pytest.mark.lab
def test_weak_host_keeps_logs_four_weeks(onsite_audit: Audit) -> None:
    found = onsite_audit.found(ID, "weak")
    # The lab sets the system log's rotation; other files come from the packages this machine
    # has installed, so only the lab's own files are asserted exactly.
    assert found["logrotate /etc/logrotate.d/rsyslog"].evidence == (
        "/etc/logrotate.d/rsyslog keeps logs for 28 days (weekly x rotate 4), less than 180"
    )
    assert found["logrotate /etc/logrotate.conf"].severity == "high"
    assert onsite_audit.attempt(ID, "weak").status == "fail"


@pytest.mark.lab
def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/var/log/syslog\n{\n rotate 4\n weekly\n}\n", (28, "weekly x rotate 4")),
        ("weekly\nrotate 26\ncreate\n", (182, "weekly x rotate 26")),
        ("/var/log/x {\n daily\n rotate 14\n maxage 10\n}\n", (10, "maxage 10")),
        (
            "/var/log/a {\n monthly\n rotate -1\n}\n/var/log/b {\n daily\n rotate 7\n}",
            (7, "daily x rotate 7"),
        ),
    ],
)
def test_retention_arithmetic(text: str, expected: tuple[int, str]) -> None:
    assert retention(text, 7, 1) == expected


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_logrotate_file_keeps_the_default_retention(text: str) -> None:
    started = time.monotonic()
    assert retention(text, 7, 1)[0] == 7  # nothing in it sets a period or a count
    assert time.monotonic() - started < 2
