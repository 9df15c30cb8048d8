"""host.ssh-password-auth on the on-site lab hosts: password logins on the weak host's sshd,
not on the hardened host's (``sshd -T``, read once for every sshd check)."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.ssh-password-auth"


def test_weak_host_sshd(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        ("sshd passwordauthentication", "medium", "sshd -T: passwordauthentication yes")
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
