"""Modbus/TCP service answers unauthenticated requests.

Modbus has no authentication at all: whoever reaches port 502 can read a controller's process
values and, with the write function codes, change setpoints or switch outputs. The check sends
each service discovery names ``modbus`` or ``mbap`` one *read-only* request, Read Device
Identification (function 0x2B, MEI type 0x0E, basic objects), and parses vendor, product code and
revision (also in ``detail["device"]``); if the device answers that with a Modbus exception it
falls back to Read Holding Registers (function 0x03) of one register at address 0. A valid
Modbus/TCP answer (same transaction id, protocol id 0) is a finding: critical when the asset is
exposed to the internet, high otherwise. The unit id asked is the ``unit_id`` setting (default
1). Both requests are declared below and listed in docs/ot-safety.md; the check never sends a
write function code. A port answering something else is not applicable; silence is inconclusive.

Sample evidence::

    Modbus/TCP answered Read Device Identification (unit 1) without authentication:
    VendorName='Inspection Lab', ProductCode='LAB-PLC-1', MajorMinorRevision='1.0'
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from checks.network._ot_read import modbus_answer, modbus_device
from checks.protocols.modbus import REQUESTS, parse_device_id
from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Exposure,
    Finding,
    NotApplicable,
    ServiceTarget,
    Severity,
)


class ModbusExposed(Check):
    id = "net.modbus-exposed"
    title = "Modbus/TCP service answers without authentication"
    family = "network"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("modbus", "mbap"))
    references = ("CWE-306", "MLPS-8.5.3.1", "CSL-31")
    requests = REQUESTS
    remediation = (
        "Keep Modbus/TCP off the internet and corporate networks: put controllers in an isolated "
        "control zone, allow port 502 only from the engineering stations and SCADA servers that "
        "need it (firewall or industrial DMZ), and reach them remotely only through a VPN or jump "
        "host."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        unit, pdu = modbus_answer(target, ctx)
        if pdu[0] == 0x2B:
            try:
                objects = parse_device_id(pdu)
            except ValueError as exc:
                raise NotApplicable(f"malformed device identification: {exc}") from exc
            what = "Read Device Identification"
            facts = ", ".join(f"{k}={v!r}" for k, v in objects.items()) or "no objects"
            detail: dict[str, object] = {"unit_id": unit, "identification": objects}
            detail["device"] = modbus_device(objects)
        elif pdu[0] == 0x03 and len(pdu) >= 4:
            what = "Read Holding Registers"
            value = struct.unpack_from(">H", pdu, 2)[0]
            facts = f"register 0 = {value} (device identification refused)"
            detail = {"unit_id": unit, "holding_register_0": value}
        elif pdu[0] & 0x80:
            what = f"function {pdu[0] & 0x7F:#04x}"
            facts = f"Modbus exception code {pdu[1] if len(pdu) > 1 else 0}"
            detail = {"unit_id": unit, "exception": list(pdu[:2])}
        else:
            raise NotApplicable(f"unexpected Modbus answer: {pdu[:16].hex()}")
        evidence = f"Modbus/TCP answered {what} (unit {unit}) without authentication: {facts}"
        severity = Severity.CRITICAL if target.exposure == Exposure.INTERNET else Severity.HIGH
        yield self.finding(target, evidence, severity=severity, detail=detail)
