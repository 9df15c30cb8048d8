"""BACnet/IP (building automation, UDP 47808) device answers without authentication.

BACnet runs heating, ventilation, access control and fire panels: any host that reaches UDP
47808 can read every object and, with WriteProperty and DeviceCommunicationControl, change set
points or silence a controller (BACnet/SC adds TLS; BACnet/IP has nothing). The check sends each
UDP service discovery names ``bacnet`` one ReadPropertyMultiple of the device object (wildcard
instance 4194303) for its name, vendor, model, firmware and application software version; a
device that refuses the wildcard gets one unicast Who-Is and the same read of the instance it
announces. A device that answers is a finding, critical on the internet and high elsewhere,
with its identity in the evidence and in ``detail["device"]``. The requests are declared below
and listed in docs/ot-safety.md; the check never sends a write, a device control or a file
service.

Sample evidence::

    BACnet/IP device 1234 ('lab-ahu-1') answered ReadPropertyMultiple without authentication:
    vendor='Inspection Lab BMS', product='LAB-BAC-1', version='2.4.1'
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.network._ot import describe, exposed_severity
from checks.network._ot_read import bacnet_device, bacnet_identity
from checks.protocols import bacnet
from scanner.api import AppliesTo, Check, CheckContext, Finding, ServiceTarget, Severity


class BacnetExposed(Check):
    id = "net.bacnet-exposed"
    title = "BACnet/IP device answers without authentication"
    family = "network"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("bacnet",))
    references = ("CWE-306", "MLPS-8.5.3.1", "CSL-31")
    requests = bacnet.REQUESTS
    remediation = (
        "Keep BACnet/IP on the building-automation network only: block UDP 47808 at its edge, "
        "allow it only from the supervisory workstations (a BBMD only where needed, with a "
        "fixed broadcast distribution table), and use BACnet/SC or a VPN between sites."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        found = bacnet_identity(target, ctx)
        props = found.properties
        record = bacnet_device(found)
        who = f"device {found.instance}" if found.instance >= 0 else "a device"
        named = f" ({record['name']!r})" if record.get("name") else ""
        refused = f" (it answered with an error: {found.error})" if found.error else ""
        evidence = (
            f"BACnet/IP {who}{named} answered ReadPropertyMultiple without authentication: "
            + describe(record)
            + refused
        )
        detail = {"device": record, "properties": props}
        yield self.finding(target, evidence, severity=exposed_severity(target), detail=detail)
