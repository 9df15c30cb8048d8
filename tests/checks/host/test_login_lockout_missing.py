"""host.login-lockout-missing on the on-site lab hosts: no pam_faillock on the weak host's auth
stack; pam_faillock preauth/authfail with deny = 5 in faillock.conf on the hardened host
(Debian's own module; nothing logs in with a password in the lab, so only the configuration is
real)."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.login-lockout-missing"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "login lockout",
            "medium",
            "no pam_faillock or pam_tally2 on the auth stack (/etc/pam.d/common-auth): failed "
            "logins never lock an account",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
