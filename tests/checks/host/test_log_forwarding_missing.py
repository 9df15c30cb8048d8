"""host.log-forwarding-missing on the on-site lab hosts: nothing forwards on the weak host; the
hardened host has systemd-journal-upload configured (URL on loghost.lab.invalid) and enabled by
its link (nothing uploads in the lab)."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.log-forwarding-missing"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "log forwarding",
            "low",
            "no log forwarding: no rsyslog or syslog-ng rule forwards, no journal-upload URL, no "
            "audisp-remote server",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
