"""EtherNet/IP (CIP, port 44818) adapter answers List Identity without authentication.

EtherNet/IP carries CIP, the object protocol of Rockwell/Allen-Bradley, Omron and many other
controllers, drives and I/O: whoever reaches port 44818 can read and write tags, change
configuration and reset the device through CIP services (CIP Security adds TLS; few devices
enable it). The check sends each service discovery names ``enip`` or ``EtherNetIP-2`` only the
encapsulation command List Identity (no session, no CIP request). An adapter that answers is a
finding, critical on the internet and high elsewhere, with its identity object (vendor, product
name, revision, serial number, device type, product code) in the evidence and in
``detail["device"]``. The request is declared below and listed in docs/ot-safety.md; the check
never registers a session or sends a CIP service.

Sample evidence::

    EtherNet/IP answered List Identity without authentication:
    vendor='Rockwell Automation/Allen-Bradley', product='LAB-ENIP-1', version='20.3',
    serial='00c0ffee' (device type 14, product code 54)
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.network._ot import describe, exposed_severity
from checks.network._ot_read import enip_device, enip_identity
from checks.protocols import enip
from scanner.api import AppliesTo, Check, CheckContext, Finding, ServiceTarget, Severity


class EnipExposed(Check):
    id = "net.enip-exposed"
    title = "EtherNet/IP adapter answers without authentication"
    family = "network"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("enip", "EtherNetIP-2", "ethernet-ip"))
    references = ("CWE-306", "MLPS-8.5.3.1", "CSL-31")
    requests = enip.REQUESTS
    remediation = (
        "Allow port 44818 (and UDP 2222 for I/O) only inside the cell/area zone and from the "
        "engineering stations that need it; put controllers' key switches in RUN, enable CIP "
        "Security where the devices support it, and reach the plant remotely only through a VPN."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        ident = enip_identity(target, ctx)
        record = enip_device(ident)
        evidence = (
            "EtherNet/IP answered List Identity without authentication: "
            + describe(record)
            + f" (device type {ident.device_type}, product code {ident.product_code})"
        )
        yield self.finding(
            target, evidence, severity=exposed_severity(target), detail={"device": record}
        )
