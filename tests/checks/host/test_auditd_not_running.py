"""host.auditd-not-running on the on-site lab hosts: no auditd on the weak host (whose namespace
sees the hardened host's one as another namespace's); on the hardened host a stand-in process
named auditd runs in its mount namespace (tests/lab/onsite.py: a copy of sleep; no real auditd
can reach the kernel's audit system in the lab). The namespace comparison is real."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit
from tests.lab import lab

pytestmark = pytest.mark.lab

ID = "host.auditd-not-running"


def test_weak_host_shows_the_weakness(onsite_audit: Audit, lab_state: lab.LabState) -> None:
    # every hardened on-site host of the lab (and those derived from it) runs a stand-in
    others = sum(p.name.startswith("auditd-onsite-") for p in lab_state.processes)
    assert onsite_audit.failed(ID) == {
        (
            "auditd process",
            "medium",
            f"no auditd process in this host's mount namespace; {others} in other namespaces "
            "(auditd configured: /etc/audit/auditd.conf present)",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
