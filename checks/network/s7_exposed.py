"""Siemens S7comm (ISO-on-TCP, port 102) answers without authentication.

S7comm is how engineering software programs and operates Siemens S7 PLCs: whoever reaches port
102 can read and write process memory, download logic, and stop the CPU, unless the CPU's
protection level forbids it (most do not). The check sends each service discovery names ``s7``
or ``iso-tsap`` only *read-only* requests: a COTP connection request (TSAP 0x0102, rack 0 slot
2, then 0x0200 as S7-1200/1500 CPUs expect, each on its own connection), S7 Setup
Communication, and two SZL reads (0x0011 module identification: order code and
firmware; 0x001C component identification: system name, module, serial number). A CPU that
answers them is a finding, critical on the internet and high elsewhere, with the identity in
the evidence and in ``detail["device"]``. The requests are declared below and listed in
docs/ot-safety.md; the check never sends a write, PLC control, stop, upload or download.

Sample evidence::

    S7comm answered Setup Communication and the SZL reads without authentication:
    vendor='Siemens', product='6ES7 315-2EH14-0AB0', version='3.2.6', serial='S C-LAB000017'
    (module 'CPU 315-2 PN/DP', system name 'LAB-S7-PLC')
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.network._ot import describe, exposed_severity
from checks.network._ot_read import s7_device, s7_identity
from checks.protocols import s7
from scanner.api import AppliesTo, Check, CheckContext, Finding, ServiceTarget, Severity


class S7Exposed(Check):
    id = "net.s7-exposed"
    title = "Siemens S7comm service answers without authentication"
    family = "network"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("s7", "iso-tsap"))
    references = ("CWE-306", "MLPS-8.5.3.1", "CSL-31")
    requests = s7.REQUESTS
    remediation = (
        "Keep S7 PLCs in an isolated control zone: allow port 102 only from the engineering "
        "stations and SCADA servers that need it, set the CPU's protection level (read/write "
        "protection with a password, or 'complete protection'), and reach the plant remotely only "
        "through a VPN or jump host."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        ident = s7_identity(target, ctx)
        parts = ident.components
        record = s7_device(ident)
        more = [f"module {record['model']!r}"] if record.get("model") else []
        more += [f"system name {record['name']!r}"] if record.get("name") else []
        evidence = (
            "S7comm answered Setup Communication and the SZL reads without authentication: "
            + describe(record)
            + (f" ({', '.join(more)})" if more else "")
        )
        detail = {"device": record, "components": parts}
        yield self.finding(target, evidence, severity=exposed_severity(target), detail=detail)
