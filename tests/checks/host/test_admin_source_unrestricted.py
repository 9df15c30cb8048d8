"""host.admin-source-unrestricted on the on-site lab hosts: no AllowUsers/AllowGroups and no source
filter on the weak host; AllowGroups sshusers (real sshd -T) and an nftables rule accepting SSH
from 127.0.0.0/8 only on the hardened host (the file; the lab never loads it)."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.admin-source-unrestricted"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "ssh allowed accounts",
            "low",
            "sshd -T: no AllowUsers or AllowGroups: every account with a shell may log in over SSH",
        ),
        (
            "ssh allowed sources",
            "low",
            "SSH logins from any address: no AllowUsers user@host, no hosts.allow/hosts.deny "
            "pair, no source-filtered firewall rule for port 22",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
