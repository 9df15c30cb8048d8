"""net.telnet-exposed against the lab's real telnetd, a silent port and a non-telnet service."""

from __future__ import annotations

import pytest

from checks.network.telnet_exposed import TelnetExposed
from scanner.core.models import AttemptStatus, ErrorReason
from tests.helpers import run_check, service_target
from tests.hostile import hostile_server
from tests.lab import lab

pytestmark = pytest.mark.lab


def test_weak_host_telnet_is_a_finding(lab_state: lab.LabState) -> None:
    attempt = run_check(TelnetExposed, service_target(lab.WEAK_ADDR, 23, "telnet"))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.check_id == "net.telnet-exposed"
    assert finding.location == "23/tcp"
    assert "IAC DO" in finding.evidence and "login" in finding.evidence.lower()


def test_ssh_named_telnet_is_not_applicable(lab_state: lab.LabState) -> None:
    # The hardened host's sshd speaks first with an SSH banner: not telnet.
    attempt = run_check(TelnetExposed, service_target(lab.HARDENED_ADDR, 22, "telnet"))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE
    assert "SSH-2.0" in attempt.reason


def test_silent_port_is_inconclusive_not_pass() -> None:
    with hostile_server("silent") as (address, port):
        attempt = run_check(TelnetExposed, service_target(address, port, "telnet"), timeout=3)
    assert attempt.status == AttemptStatus.ERROR
    assert attempt.error_reason == ErrorReason.INCONCLUSIVE
