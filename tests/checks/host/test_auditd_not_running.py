"""host.auditd-not-running on the on-site lab hosts: no auditd on the weak host (whose namespace
sees the hardened host's one as another namespace's); on the hardened host a stand-in process
named auditd runs in its mount namespace (tests/lab/onsite.py: a copy of sleep; no real auditd
can reach the kernel's audit system in the lab). The namespace comparison is real."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.auditd-not-running"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "auditd process",
            "medium",
            "no auditd process in this host's mount namespace; 1 in other namespaces (auditd "
            "configured: /etc/audit/auditd.conf present)",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
