"""net.iec104-exposed against the lab's c104 IEC 60870-5-104 server (station 47)."""

from __future__ import annotations

import pytest

from checks.network.iec104_exposed import Iec104Exposed
from checks.protocols import iec104
from scanner.core.models import AttemptStatus, Severity
from tests.checks.network.ot_helpers import (
    assert_declared_only,
    assert_nothing_unsafe_served,
    run_ot,
)
from tests.helpers import service_target
from tests.lab import lab

pytestmark = pytest.mark.lab


def test_interrogation_answered_is_a_finding(lab_state: lab.LabState) -> None:
    attempt, sent = run_ot(Iec104Exposed, service_target(lab.OT_PLANT_ADDR, 2404, "iec-104"))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.severity == Severity.CRITICAL
    assert "station 47, 6 information objects (M_ME_NC_1 x5, M_SP_NA_1 x1)" in finding.evidence
    assert finding.detail["common_addresses"] == [47]
    assert finding.detail["interrogation_terminated"] is True
    assert finding.detail["device"]["protocol"] == "iec104"
    assert sent == ["iec104.startdt", "iec104.interrogation", "iec104.ack", "iec104.stopdt"]
    assert_declared_only(Iec104Exposed, sent)
    assert_nothing_unsafe_served(lab_state.state_dir, "ot-iec104")


def test_other_protocol_is_not_applicable(lab_state: lab.LabState) -> None:
    attempt, _ = run_ot(Iec104Exposed, service_target(lab.WEAK_ADDR, 80, "iec104"))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE, attempt.reason


def test_commands_and_clock_sync_are_unknown_kinds() -> None:
    def i_frame(type_id: int, cot: int = 6) -> bytes:
        apci = b"\x00\x00\x00\x00" + bytes([type_id, 1, cot, 0, 47, 0, 200, 0, 0, 1])
        return bytes([0x68, len(apci)]) + apci

    assert iec104.kind(i_frame(100)) == "iec104.interrogation"
    for type_id in (45, 46, 50, 58, 103, 105, 122):  # commands, clock sync, reset, file
        assert iec104.kind(i_frame(type_id)) == "iec104.unknown"
    assert iec104.kind(b"\x68\x04\x43\x00\x00\x00") == "iec104.unknown"  # TESTFR: not declared
