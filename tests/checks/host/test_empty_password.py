"""host.empty-password on the on-site lab hosts: the weak host's account without a password,
none on the hardened host."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.empty-password"


def test_weak_host_account_without_password(onsite_audit: Audit) -> None:
    found = onsite_audit.found(ID, "weak")
    assert {(loc, f.severity) for loc, f in found.items()} == {("account guest", "critical")}
    evidence = found["account guest"].evidence
    assert evidence == "/etc/shadow: account guest has an empty password hash"
    assert "$" not in "".join(f.evidence for f in found.values())  # no hash is ever recorded
    assert onsite_audit.attempt(ID, "weak").status == "fail"


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
