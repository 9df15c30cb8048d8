"""DNP3 (IEEE 1815, port 20000) outstation answers without authentication.

DNP3 runs water, wastewater and electric SCADA in much of the world: a master that reaches an
outstation can read every point and, with the control functions, operate breakers, pumps and
valves; Secure Authentication (SAv5/SAv6) is rarely enabled. The check sends each service
discovery names ``dnp3`` or ``dnp`` only a link-layer Request Link Status to each link address
in the ``addresses`` setting (default 1, 10, 1024: most outstations use one of them) until one
answers, then one application READ of the device attributes (group 0, all variations). An
outstation that answers is a finding, critical on the internet and high elsewhere, with the
attributes it reported (vendor, product, software version) in the evidence and in
``detail["device"]``. The requests are declared below and listed in docs/ot-safety.md; the
check never sends a write, select/operate, direct operate, restart, stop or file function.

Sample evidence::

    DNP3 outstation 10 answered Request Link Status and a READ of its device attributes
    without authentication: no identity given (device attributes not supported, IIN 0x9002)
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.network._ot import describe, exposed_severity
from checks.network._ot_read import dnp3_device, dnp3_station
from checks.protocols import dnp3
from scanner.api import AppliesTo, Check, CheckContext, Finding, ServiceTarget, Severity


class Dnp3Exposed(Check):
    id = "net.dnp3-exposed"
    title = "DNP3 outstation answers without authentication"
    family = "network"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("dnp3", "dnp"))
    references = ("CWE-306", "MLPS-8.5.3.1", "CSL-31")
    requests = dnp3.REQUESTS
    remediation = (
        "Allow port 20000 only from the SCADA masters (firewall or industrial DMZ), configure "
        "each outstation to accept only its master's link address, and enable DNP3 Secure "
        "Authentication (IEEE 1815 SAv5/SAv6) or a TLS tunnel where the devices support it."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        station = dnp3_station(target, ctx)
        attrs = station.attributes
        record = dnp3_device(station)
        if not station.application:
            what, note = "Request Link Status", "the application layer did not answer the READ"
        else:
            what = "Request Link Status and a READ of its device attributes"
            note = "" if attrs else f"device attributes not supported, IIN {station.iin}"
        evidence = (
            f"DNP3 outstation {station.address} answered {what} without authentication: "
            + describe(record)
            + (f" ({note})" if note else "")
        )
        detail = {"device": record, "link_address": station.address, "iin": station.iin}
        yield self.finding(target, evidence, severity=exposed_severity(target), detail=detail)
