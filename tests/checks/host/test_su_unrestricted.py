"""host.su-unrestricted on the on-site lab hosts: Debian's /etc/pam.d/su with pam_wheel commented
out on the weak host; enabled (group wheel, the audit user in it) on the hardened host."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.su-unrestricted"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "su pam_wheel",
            "low",
            "/etc/pam.d/su loads no pam_wheel on its auth stack: every user may try su to root",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
