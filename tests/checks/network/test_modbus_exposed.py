"""net.modbus-exposed against the lab's real Modbus/TCP server (pymodbus) and non-Modbus ports."""

from __future__ import annotations

import pytest

from checks.network.modbus_exposed import ModbusExposed
from scanner.core.models import AttemptStatus, Exposure, Severity
from tests.helpers import run_check, service_target
from tests.lab import lab

pytestmark = pytest.mark.lab


def test_internet_exposed_modbus_is_critical(lab_state: lab.LabState) -> None:
    attempt = run_check(ModbusExposed, service_target(lab.OT_ADDR, 502, "modbus"))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.severity == Severity.CRITICAL
    assert finding.location == "502/tcp"
    assert finding.evidence == (
        "Modbus/TCP answered Read Device Identification (unit 1) without authentication: "
        "VendorName='Inspection Lab', ProductCode='LAB-PLC-1', MajorMinorRevision='1.0'"
    )
    identification = finding.detail["identification"]
    for name in ("VendorName", "ProductCode", "MajorMinorRevision"):
        assert identification[name] == lab.MODBUS_IDENTITY[name]


def test_ot_zone_modbus_is_high(lab_state: lab.LabState) -> None:
    target = service_target(lab.OT_ADDR, 502, "mbap", exposure=Exposure.OT)
    attempt = run_check(ModbusExposed, target)
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.severity == Severity.HIGH


def test_http_named_modbus_is_not_applicable(lab_state: lab.LabState) -> None:
    # nginx answers the binary request with an HTTP 400: not Modbus, and certainly not a pass.
    attempt = run_check(ModbusExposed, service_target(lab.WEAK_ADDR, 80, "modbus"))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE, attempt.reason
    assert "HTTP/1.1 400" in attempt.reason
