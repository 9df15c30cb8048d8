"""cred.snmp-weak-community against snmpd of creds-weak (community ``manager``) and
creds-hardened (random community), and the weak host's agent (public/private are not its)."""

from __future__ import annotations

import pytest

from checks.creds.snmp_weak_community import SnmpWeakCommunity
from scanner.core.models import AttemptStatus, CredentialTries, Severity
from tests.checks.creds import HARDENED, WEAK, services
from tests.helpers import run_check, service_target
from tests.lab import lab

pytestmark = pytest.mark.lab


def test_weak_community_found_and_masked(lab_state: lab.LabState) -> None:
    target = service_target(WEAK, 161, "snmp", protocol="udp")
    attempt = run_check(SnmpWeakCommunity, target, services=services())
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert (finding.location, finding.severity) == ("161/udp", Severity.HIGH)
    assert finding.detail == {"community_masked": "m****** (7 characters)", "communities_tried": 4}
    assert "manager" not in repr(attempt)
    assert attempt.credential_tries == (CredentialTries(WEAK, 161, "snmp", "community", 4),)


def test_hardened_agent_passes(lab_state: lab.LabState) -> None:
    target = service_target(HARDENED, 161, "snmp", protocol="udp")
    attempt = run_check(SnmpWeakCommunity, target, services=services(), timeout=30)
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert attempt.credential_tries == (CredentialTries(HARDENED, 161, "snmp", "community", 12),)


def test_public_and_private_are_left_to_the_default_community_check(
    lab_state: lab.LabState,
) -> None:
    run = services(builtin=False, entries=(("", "public"), ("", "private")))
    target = service_target(lab.WEAK_ADDR, 161, "snmp", protocol="udp")
    attempt = run_check(SnmpWeakCommunity, target, services=run)
    assert attempt.status == AttemptStatus.NOT_APPLICABLE and attempt.credential_tries == ()
    assert "beyond public and private" in attempt.reason
