"""host.sudo-nopasswd on the on-site lab hosts: a NOPASSWD rule for labdev in the weak host's
/etc/sudoers.d/lab-weak; none on the hardened host. Both hosts' rule for the audit user itself
(NOPASSWD, set up for the inspection) is left out by design."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.sudo-nopasswd"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "sudo rule labdev",
            "medium",
            "/etc/sudoers.d/lab-weak: labdev ALL=(ALL) NOPASSWD: ALL (NOPASSWD: no password asked)",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
