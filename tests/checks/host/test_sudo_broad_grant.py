"""host.sudo-broad-grant on the on-site lab hosts: full root for labops and labdev (not
administrators) on the weak host; only root, %sudo and the audit user's own rule on the hardened
host."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.sudo-broad-grant"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "sudo rule labdev",
            "medium",
            "/etc/sudoers.d/lab-weak: labdev ALL=(ALL) NOPASSWD: ALL (every command as root for "
            "labdev, not an administrator)",
        ),
        (
            "sudo rule labops",
            "medium",
            "/etc/sudoers.d/lab-weak: labops ALL=(ALL) ALL (every command as root for labops, not "
            "an administrator)",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
