"""host.password-history-missing on the on-site lab hosts: no pam_pwhistory on the weak host;
pam_pwhistory remember=5 on the hardened host's password stack."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.password-history-missing"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "password history",
            "low",
            "no pam_pwhistory and no pam_unix remember= on the password stack "
            "(/etc/pam.d/common-password): old passwords can be reused",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
