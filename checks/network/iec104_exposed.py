"""IEC 60870-5-104 (telecontrol, port 2404) starts data transfer and answers an interrogation
without authentication.

IEC 104 carries a substation's or a pipeline's telecontrol: measurements up, commands (breakers,
set points) down, with no authentication in the protocol (IEC 62351-3/5 add TLS and
authentication; few devices use them). The check sends each service discovery names ``iec104``
or ``iec-104`` only STARTDT, one station interrogation (C_IC_NA_1, to the broadcast common
address 65535 or the ``common_address`` setting), an S-frame acknowledging what came back and
STOPDT. An outstation that confirms STARTDT and answers the interrogation is a finding, critical
on the internet and high elsewhere; the evidence names the stations (common addresses) and how
many information objects of each type they reported. IEC 104 has no device identification, so
``detail["device"]`` holds the protocol and stations only. The requests are declared below and
listed in docs/ot-safety.md; the check never sends a command, clock synchronisation, reset or
file transfer.

Sample evidence::

    IEC 60870-5-104 confirmed STARTDT and answered a station interrogation without
    authentication: station 47, 6 information objects (M_ME_NC_1 x5, M_SP_NA_1 x1)
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.network._ot import device, exposed_severity
from checks.protocols import iec104
from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Finding,
    Inconclusive,
    ServiceTarget,
    Severity,
)


class Iec104Exposed(Check):
    id = "net.iec104-exposed"
    title = "IEC 60870-5-104 outstation answers without authentication"
    family = "network"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("iec104", "iec-104"))
    references = ("CWE-306", "MLPS-8.5.3.1", "CSL-31")
    requests = iec104.REQUESTS
    remediation = (
        "Allow port 2404 only from the control centre's front-end processors (firewall or "
        "industrial DMZ), never from corporate networks or the internet; where the equipment "
        "supports it, use IEC 62351-3 (TLS) and restrict each outstation to its configured "
        "masters."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        common = int(ctx.setting("common_address", 0xFFFF))
        seconds = min(3.0, max(0.5, ctx.remaining() - 2))
        with ctx.connect(target.address, target.service.port, timeout=5.0, read_limit=65536) as c:
            station = iec104.interrogate(c, ctx.request, target.address, common, seconds)
        if not station.confirmed and not station.objects:
            raise Inconclusive("STARTDT was confirmed, but the interrogation was not answered")
        stations = sorted(station.common_addresses)
        count = sum(station.objects.values())
        kinds = ", ".join(f"{k} x{v}" for k, v in sorted(station.objects.items()))
        evidence = (
            "IEC 60870-5-104 confirmed STARTDT and answered a station interrogation without "
            f"authentication: station {', '.join(map(str, stations)) or '?'}, {count} "
            f"information objects" + (f" ({kinds})" if kinds else "")
        )
        record = device("iec104", stations=",".join(map(str, stations)))
        detail = {
            "device": record,
            "common_addresses": stations,
            "objects": station.objects,
            "interrogation_terminated": station.terminated,
        }
        yield self.finding(target, evidence, severity=exposed_severity(target), detail=detail)
