"""host.aide-missing on the on-site lab hosts: nothing on the weak host; aide.conf, a daily cron
job and a fixture database (mounted over /var/lib/aide) on the hardened host (AIDE is not
installed)."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.aide-missing"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "aide",
            "low",
            "AIDE not configured: neither /etc/aide/aide.conf nor /etc/aide.conf exists",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
