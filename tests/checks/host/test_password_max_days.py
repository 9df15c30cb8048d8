"""host.password-max-days on the on-site lab hosts: the weak host's passwords never expire, the
hardened host's do within 90 days."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.password-max-days"


def test_weak_host_passwords_never_expire(onsite_audit: Audit) -> None:
    found = onsite_audit.found(ID, "weak")
    assert {(loc, f.severity) for loc, f in found.items()} == {
        ("login.defs PASS_MAX_DAYS", "medium")
    }
    assert found["login.defs PASS_MAX_DAYS"].evidence == (
        "/etc/login.defs: PASS_MAX_DAYS 99999 (more than 90)"
    )
    assert onsite_audit.attempt(ID, "weak").status == "fail"


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
