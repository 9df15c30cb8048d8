"""host.umask-permissive on the on-site lab hosts: Debian's UMASK 022 on the weak host; UMASK 027
and umask 027 in /etc/profile.d on the hardened host."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.umask-permissive"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "umask /etc/login.defs",
            "low",
            "/etc/login.defs: UMASK 022 (weaker than 027: new files readable by others)",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
