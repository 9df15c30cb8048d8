"""host.hids-missing on the on-site lab hosts: nothing on the weak host; a fail2ban sshd jail
enabled and fail2ban.service linked on the hardened host (configuration only: fail2ban is not
installed)."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.hids-missing"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "host IDS",
            "low",
            "no host intrusion detection: no Wazuh/OSSEC agent (/var/ossec/etc/ossec.conf "
            "absent), no fail2ban jail enabled",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
