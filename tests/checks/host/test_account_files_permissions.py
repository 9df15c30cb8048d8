"""host.account-files-permissions on the on-site lab hosts: the weak host's /etc/shadow is 0644;
the hardened host keeps Debian's 0640 root:shadow (real modes of the copies)."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.account-files-permissions"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "/etc/shadow",
            "high",
            "/etc/shadow has mode 0644 owner root:shadow (others can read it; want 0640 or "
            "stricter)",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
