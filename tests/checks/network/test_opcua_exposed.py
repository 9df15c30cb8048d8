"""net.opcua-exposed against the lab's asyncua servers (both offer security mode None)."""

from __future__ import annotations

import pytest

from checks.network.opcua_exposed import OpcuaExposed
from checks.protocols import opcua
from scanner.core.models import AttemptStatus, Severity
from tests.checks.network.ot_helpers import OT, assert_declared_only, run_ot
from tests.helpers import service_target
from tests.lab import lab

pytestmark = pytest.mark.lab
IDENT = lab.OT_IDENTITIES["opcua"]


def test_mode_none_endpoint_is_a_finding(lab_state: lab.LabState) -> None:
    attempt, sent = run_ot(OpcuaExposed, service_target(lab.OT_PLANT_ADDR, 4840, "opcua-tcp"))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.severity == Severity.CRITICAL
    assert finding.evidence == (
        f"OPC UA server {IDENT['application_name']!r} ({IDENT['application_uri']}) offers "
        f"security mode None: opc.tcp://{lab.OT_PLANT_ADDR}:4840/lab/ None (identities: anonymous)"
    )
    assert finding.detail["device"]["application_uri"] == IDENT["application_uri"]
    assert finding.detail["endpoints"][0]["mode"] == "None"
    assert sent == [
        "opcua.hello",
        "opcua.open-secure-channel",
        "opcua.get-endpoints",
        "opcua.close-secure-channel",
    ]
    assert_declared_only(OpcuaExposed, sent)


def test_user_name_only_server_still_offers_mode_none(lab_state: lab.LabState) -> None:
    target = service_target(lab.OT_PLANT2_ADDR, 4840, "opcua", exposure=OT)
    attempt, _ = run_ot(OpcuaExposed, target)
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    assert attempt.findings[0].severity == Severity.HIGH
    assert "(identities: username)" in attempt.findings[0].evidence


def test_write_and_call_are_unknown_kinds() -> None:
    for service in (673, 712, 488, 787):  # Write, Call, AddNodes, CreateSubscription
        body = b"\x00" * 16 + b"\x01\x00" + service.to_bytes(2, "little")
        message = b"MSGF" + (8 + len(body)).to_bytes(4, "little") + body
        assert opcua.kind(message) == "opcua.unknown"
