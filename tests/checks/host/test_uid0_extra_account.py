"""host.uid0-extra-account on the on-site lab hosts: the weak host's second root account (toor),
none on the hardened host."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.uid0-extra-account"


def test_weak_host_second_root_account(onsite_audit: Audit) -> None:
    found = onsite_audit.found(ID, "weak")
    assert {(loc, f.severity) for loc, f in found.items()} == {("account toor", "critical")}
    assert found["account toor"].evidence.startswith("/etc/passwd: toor:x:0:0:")
    assert onsite_audit.attempt(ID, "weak").status == "fail"


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
