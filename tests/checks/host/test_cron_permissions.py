"""host.cron-permissions on the on-site lab hosts: a 0644 /etc/crontab, 0755 cron folders and no
cron.allow on the weak host; 0600, 0700 and cron.allow on the hardened host (cron itself is not
installed; the files are)."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.cron-permissions"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        ("/etc/cron.allow", "low", "no /etc/cron.allow: every user may schedule cron jobs"),
        (
            "/etc/cron.d",
            "low",
            "/etc/cron.d has mode 0755 owner root:root (want 0700, owned by root)",
        ),
        (
            "/etc/cron.daily",
            "low",
            "/etc/cron.daily has mode 0755 owner root:root (want 0700, owned by root)",
        ),
        (
            "/etc/cron.weekly",
            "low",
            "/etc/cron.weekly has mode 0755 owner root:root (want 0700, owned by root)",
        ),
        (
            "/etc/crontab",
            "low",
            "/etc/crontab has mode 0644 owner root:root (want 0600, owned by root)",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
