"""host.password-min-days on the on-site lab hosts: PASS_MIN_DAYS 0 on the weak host, 1 on the
hardened host."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.password-min-days"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "login.defs PASS_MIN_DAYS",
            "low",
            "/etc/login.defs: PASS_MIN_DAYS 0 (passwords can be changed back at once; want 1 or "
            "more)",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
