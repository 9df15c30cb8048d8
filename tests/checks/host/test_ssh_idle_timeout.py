"""host.ssh-idle-timeout on the on-site lab hosts: the weak host's sshd keeps the default
ClientAliveInterval 0; the hardened host's 300 x 2 (the real sshd's ``sshd -T``)."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.ssh-idle-timeout"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "sshd clientaliveinterval",
            "low",
            "sshd -T: clientaliveinterval 0: sshd never drops unresponsive sessions",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
