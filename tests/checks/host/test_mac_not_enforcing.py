"""host.mac-not-enforcing on the on-site lab hosts: neither SELinux nor AppArmor on the weak host;
apparmor.service linked and the copied /etc/apparmor.d profiles on the hardened host. The kernel
here has no AppArmor: the live state is reported, not judged (the default)."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.mac-not-enforcing"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "mandatory access control",
            "medium",
            "no mandatory access control at boot: SELinux not configured (/etc/selinux/config "
            "absent); AppArmor: apparmor.service not enabled; live: getenforce absent, AppArmor "
            "module absent",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
