"""An industrial device's firmware (or OPC UA server's software) has known vulnerabilities.

The industrial checks read each device's identity over its own protocol: an S7 CPU's order
code, module and firmware (SZL 0x0011/0x001C), an EtherNet/IP adapter's vendor, product name
and revision (List Identity), a BACnet device's vendor, model and firmware revision, an OPC
UA server's BuildInfo (manufacturer, product, software version; only when an anonymous session
is accepted), a Modbus device's identification objects, a DNP3 outstation's device attributes.
This check maps that identity to NVD's CPE names (the table in ``checks/network/_firmware.py``:
``Siemens 6ES7 315-2EH14-0AB0`` is ``siemens:simatic_s7-300_cpu_firmware``) and matches the
firmware version against the CPE ranges of the NVD feed imported with ``scanner feed import``.

It sends nothing of its own: the identity is the one the industrial check of the same run
collected (``net.*-exposed``; for OPC UA ``net.opcua-anonymous``), one read per device and run
shared through the run's collected facts; only when that check is not in the profile does this
one send the same declared read-only requests (listed in docs/ot-safety.md) to read it.

**Confirmed, not version-inferred.** A remote match of an upstream version is only a lead,
because distributions backport fixes without changing it. Industrial firmware has no
backports: the vendor fixes a flaw in a new firmware version, and the device names the version
it runs in its own identification, so a version inside NVD's range is reported as a confirmed
vulnerability at the severity of its highest CVSS (high when NVD gives none); a CVE in CISA's
KEV catalogue raises the risk as for other software. What it cannot see: conditions NVD's
ranges leave out (a module variant, a configuration, the "running on" parts of a
configuration, which the feed import does not evaluate), and a device that lies about itself.
The evidence says the firmware is the device's own statement; the vendor's advisory names the
fixed version.

With no NVD feed imported the check is not applicable (nothing to match against; ``scanner feed
status`` shows the feeds). Feeds older than ``max_feed_age_days`` (default 30) are named in the
evidence. Settings ``unit_id`` (Modbus) and ``addresses`` (DNP3) are those of
``net.modbus-exposed`` and ``net.dnp3-exposed``: set them alike so the read is shared.

Sample evidence::

    S7 device Siemens 6ES7 315-2EH14-0AB0 (CPU 315-2 PN/DP) reports firmware 3.2.6 (its own
    identification, read over the protocol): in NVD's ranges of CVE-2016-9158, CVE-2016-9159 as
    siemens:simatic_s7-300_cpu_firmware, siemens:simatic_s7-300_cpu_315-2_pn/dp_firmware
    (CVSS 7.5)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from checks.host._vulns import exploited, feed_note, listed, severity_of
from checks.network import _ot_read as read
from checks.network._firmware import firmware_version
from checks.network._ot import SOFTWARE, describe, nvd_names
from checks.protocols.modbus import parse_device_id
from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Finding,
    NotApplicable,
    ServiceTarget,
    Severity,
)


def _opcua(target: ServiceTarget, ctx: CheckContext) -> dict[str, str]:
    session = read.opcua_session(target, ctx)
    if session.info is None:
        raise NotApplicable(
            "the server names its software version only inside a session, and it accepted no "
            "anonymous one (no credentials are tried)"
        )
    return read.opcua_device(session.info)


def _modbus(target: ServiceTarget, ctx: CheckContext) -> dict[str, str]:
    _unit, pdu = read.modbus_answer(target, ctx)
    if pdu[0] != 0x2B:
        raise NotApplicable("the device answered no Read Device Identification")
    try:
        return read.modbus_device(parse_device_id(pdu))
    except ValueError as exc:
        raise NotApplicable(f"malformed device identification: {exc}") from exc


#: Discovery's service names -> the identity read of that protocol.
IDENTITIES: dict[str, Callable[[ServiceTarget, CheckContext], dict[str, str]]] = {
    "s7": lambda t, c: read.s7_device(read.s7_identity(t, c)),
    "enip": lambda t, c: read.enip_device(read.enip_identity(t, c)),
    "bacnet": lambda t, c: read.bacnet_device(read.bacnet_identity(t, c)),
    "dnp3": lambda t, c: read.dnp3_device(read.dnp3_station(t, c)),
    "modbus": _modbus,
    "opcua": _opcua,
}
ALIASES = {
    "iso-tsap": "s7",
    "EtherNetIP-2": "enip",
    "ethernet-ip": "enip",
    "dnp": "dnp3",
    "mbap": "modbus",
    "opcua-tcp": "opcua",
}
PROTOCOL_NAMES = {"s7": "S7", "enip": "EtherNet/IP", "bacnet": "BACnet", "dnp3": "DNP3",
                  "modbus": "Modbus", "opcua": "OPC UA"}  # fmt: skip


class VulnerableFirmware(Check):
    id = "net.vulnerable-firmware"
    title = "An industrial device's firmware has known vulnerabilities"
    family = "network"
    severity = Severity.HIGH  # a match without a CVSS; others carry their CVSS severity
    applies_to = AppliesTo(services=(*IDENTITIES, *ALIASES))
    references = ("CWE-1104", "MLPS-8.1.4.4", "MLPS-8.5.3.1", "CSL-21")
    requests = read.REQUESTS
    remediation = (
        "Check the vendor's security advisory for the device's model and firmware, plan the "
        "firmware update in the next maintenance window (test it on a spare or the vendor's "
        "simulator first), and until then apply the advisory's mitigations: restrict the "
        "protocol's port to the engineering stations and SCADA servers that need it."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        protocol = ALIASES.get(target.service.name, target.service.name)
        record = IDENTITIES[protocol](target, ctx)
        version = firmware_version(record.get("version", ""))
        names = nvd_names(record)
        if not names or not version:
            raise NotApplicable(
                f"the device named no vendor, product and firmware version ({describe(record)})"
            )
        matcher = ctx.vulnerabilities
        if not matcher.has("nvd"):
            raise NotApplicable(
                "no NVD feed imported to match the firmware against (`scanner feed import` "
                "NVD's CVE JSON 2.0 files, docs/vulnerabilities.md)"
            )
        found = [u for c in names if (u := matcher.upstream(c.vendor, c.product, version))]
        if not found:
            return
        cves = sorted({c for u in found for c in u.cves})
        scores = [u.cvss for u in found if u.cvss is not None]
        cvss = max(scores) if scores else None
        known = sorted({c for u in found for c in u.known_exploited})
        model = f" ({record['model']})" if record.get("model") else ""
        matched = ", ".join(dict.fromkeys(f"{u.vendor}:{u.product}" for u in found))
        score = f" (CVSS {cvss:g})" if cvss is not None else ""
        what = "software" if protocol in SOFTWARE else "firmware"
        yield self.finding(
            target,
            f"{PROTOCOL_NAMES[protocol]} device {record['vendor']} {record['product']}{model} "
            f"reports {what} {version} (its own identification, read over the protocol): "
            f"in NVD's ranges of {listed(cves)} as {matched}{score}{exploited(known)}"
            f"{feed_note(ctx, ('nvd', 'kev'))}",
            severity=severity_of(cvss, Severity.HIGH),
            detail={
                "device": record,
                "cpes": [u.vendor + ":" + u.product for u in found],
                "version": version,
                "cves": cves[:50],
                "cvss": cvss,
                "known_exploited": known,
                "confirmed": True,
                "basis": f"{what} version the device reported over {PROTOCOL_NAMES[protocol]}",
            },
        )
