"""host.second-factor-missing on the on-site lab hosts: nothing on the weak host;
pam_google_authenticator on the hardened host's /etc/pam.d/sshd auth stack (configuration only:
key logins never run that stack, and the module need not be installed)."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.second-factor-missing"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "second factor",
            "medium",
            "no second factor: sshd AuthenticationMethods any; no second-factor PAM module on "
            "/etc/pam.d/sshd, /etc/pam.d/common-auth",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
