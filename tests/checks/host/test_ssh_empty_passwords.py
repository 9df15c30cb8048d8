"""host.ssh-empty-passwords on the on-site lab hosts: empty passwords on the weak host's sshd,
not on the hardened host's (``sshd -T``, read once for every sshd check)."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.ssh-empty-passwords"


def test_weak_host_sshd(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        ("sshd permitemptypasswords", "high", "sshd -T: permitemptypasswords yes")
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
