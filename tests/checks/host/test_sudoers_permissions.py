"""host.sudoers-permissions on the on-site lab hosts: the weak host's /etc/sudoers.d/lab-weak is
0644; the hardened host's sudoers files are 0440 (real modes of the copies, read by stat)."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.sudoers-permissions"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "/etc/sudoers.d/lab-weak",
            "low",
            "/etc/sudoers.d/lab-weak has mode 0644 owner root:root (readable by others; want 0440)",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
