"""net.enip-exposed against the lab's cpppo EtherNet/IP adapter."""

from __future__ import annotations

import struct

import pytest

from checks.network.enip_exposed import EnipExposed
from checks.protocols import enip
from scanner.core.models import AttemptStatus, Severity
from tests.checks.network.ot_helpers import (
    assert_declared_only,
    assert_nothing_unsafe_served,
    run_ot,
)
from tests.helpers import service_target
from tests.lab import lab

pytestmark = pytest.mark.lab
IDENT = lab.OT_IDENTITIES["enip"]


def test_list_identity_is_a_finding(lab_state: lab.LabState) -> None:
    attempt, sent = run_ot(EnipExposed, service_target(lab.OT_PLANT_ADDR, 44818, "EtherNetIP-2"))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.severity == Severity.CRITICAL
    device = finding.detail["device"]
    assert device["product"] == IDENT["product_name"]
    assert device["version"] == IDENT["revision"]
    assert device["serial"] == "00c0ffee"
    assert device["vendor"] == "Rockwell Automation/Allen-Bradley"
    assert f"product={IDENT['product_name']!r}, version='20.3'" in finding.evidence
    assert sent == ["enip.list-identity"]
    assert_declared_only(EnipExposed, sent)
    assert_nothing_unsafe_served(lab_state.state_dir, "ot-enip")


def test_sessions_and_cip_are_unknown_kinds() -> None:
    for command, data in ((0x65, b"\x01\x00\x00\x00"), (0x6F, b"\x00" * 16), (0x70, b"\x00" * 8)):
        frame = struct.pack("<HHII8sI", command, len(data), 0, 0, b"x" * 8, 0) + data
        assert enip.kind(frame) == "enip.unknown"
    assert enip.kind(enip.LIST_IDENTITY) == "enip.list-identity"
