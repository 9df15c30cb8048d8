"""net.opcua-anonymous against the lab's asyncua servers: one accepts anonymous sessions, the
other only user names."""

from __future__ import annotations

import pytest

from checks.network.opcua_anonymous import OpcuaAnonymous
from scanner.core.models import AttemptStatus, Severity
from tests.checks.network.ot_helpers import (
    OT,
    assert_declared_only,
    assert_nothing_unsafe_served,
    run_ot,
)
from tests.helpers import service_target
from tests.lab import lab

pytestmark = pytest.mark.lab
IDENT = lab.OT_IDENTITIES["opcua"]


def test_anonymous_session_is_a_finding_with_build_info(lab_state: lab.LabState) -> None:
    attempt, sent = run_ot(OpcuaAnonymous, service_target(lab.OT_PLANT_ADDR, 4840, "opcua"))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.severity == Severity.CRITICAL
    assert finding.evidence == (
        "OPC UA server accepted an anonymous session (policy id 'anonymous'): "
        f"vendor={IDENT['manufacturer']!r}, product={IDENT['product_name']!r}, "
        f"version={IDENT['software_version']!r}"
    )
    device = finding.detail["device"]
    assert device["cpe"] == "cpe:2.3:a:inspection_lab:lab-opcua-1:1.4.2:*:*:*:*:*:*:*"
    assert device["build"] == IDENT["build_number"]
    assert sent == [
        "opcua.hello",
        "opcua.open-secure-channel",
        "opcua.get-endpoints",
        "opcua.create-session",
        "opcua.activate-session",
        "opcua.read",
        "opcua.close-session",
        "opcua.close-secure-channel",
    ]
    assert_declared_only(OpcuaAnonymous, sent)
    assert_nothing_unsafe_served(lab_state.state_dir, "ot-opcua")


def test_user_name_only_server_passes(lab_state: lab.LabState) -> None:
    target = service_target(lab.OT_PLANT2_ADDR, 4840, "opcua", exposure=OT)
    attempt, sent = run_ot(OpcuaAnonymous, target)
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert "opcua.create-session" not in sent  # no anonymous token offered: no session tried
