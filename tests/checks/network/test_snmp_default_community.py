"""net.snmp-default-community against the lab's real snmpd (public/private vs a random one)."""

from __future__ import annotations

import pytest

from checks.network.snmp_default_community import SnmpDefaultCommunity
from scanner.core.models import AttemptStatus, Severity
from scanner.engine.context import RunServices
from scanner.transport.ratelimit import TokenBucket
from tests.helpers import LOOPBACK_ONLY, run_check, service_target
from tests.lab import lab

pytestmark = pytest.mark.lab


def test_weak_agent_answers_public_and_private(lab_state: lab.LabState) -> None:
    target = service_target(lab.WEAK_ADDR, 161, "snmp", protocol="udp")
    attempt = run_check(SnmpDefaultCommunity, target)
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.check_id == "net.snmp-default-community"
    assert finding.severity == Severity.HIGH
    assert finding.location == "161/udp"
    assert finding.evidence.startswith("communities answered: public, private; sysDescr.0: 'Linux ")
    assert finding.detail["communities"] == ["public", "private"]
    assert finding.detail["sysdescr"].startswith("Linux ")


def test_hardened_agent_stays_silent(lab_state: lab.LabState) -> None:
    target = service_target(lab.HARDENED_ADDR, 161, "snmp", protocol="udp")
    attempt = run_check(SnmpDefaultCommunity, target)
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert attempt.findings == ()


def test_communities_setting_is_used(lab_state: lab.LabState) -> None:
    # With the hardened host's real community in the list, the same agent is a finding.
    secret = lab_state.snmp_community
    services = RunServices(
        guard=LOOPBACK_ONLY,
        bucket=TokenBucket(1000),
        settings={"net.snmp-default-community": {"communities": ["public", secret]}},
    )
    target = service_target(lab.HARDENED_ADDR, 161, "snmp", protocol="udp")
    attempt = run_check(SnmpDefaultCommunity, target, services=services)
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.detail["communities"] == [secret]


def test_closed_udp_port_is_not_applicable(lab_state: lab.LabState) -> None:
    # Nothing listens on 162/udp: the ICMP port unreachable means there is no agent at all.
    target = service_target(lab.WEAK_ADDR, 162, "snmp", protocol="udp")
    attempt = run_check(SnmpDefaultCommunity, target)
    assert attempt.status == AttemptStatus.NOT_APPLICABLE
    assert "port unreachable" in attempt.reason
