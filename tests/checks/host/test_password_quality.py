"""host.password-quality on the on-site lab hosts: no quality module on the weak host's password
stack; pam_pwquality with minlen 12 and four classes on the hardened host."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.password-quality"


def test_weak_host_checks_no_password_quality(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "password quality module",
            "medium",
            "no pam_pwquality or pam_cracklib on the password stack (/etc/pam.d/common-password); "
            "/etc/security/pwquality.conf is missing",
        )
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.found(ID, "hardened") == {}
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
