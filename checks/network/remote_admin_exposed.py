"""Remote administration service (RDP, VNC, SMB) reachable from the internet.

Remote desktops and Windows file sharing are the most attacked services on the internet:
password spraying against RDP and VNC, and pre-authentication flaws (BlueKeep, EternalBlue,
SMBGhost) that need nothing but a reachable port. The check runs only on assets whose exposure
is ``internet`` (elsewhere it is not applicable) and confirms each service discovery names as one
of them with the first, read-only step of its handshake, before any credential:

- VNC (``vnc``): reads the ``RFB 003.00x`` banner, answers with the same protocol version and
  reads the list of security types the server offers (``None`` means no password at all), then
  closes without choosing one.
- SMB (``microsoft-ds`` on 445, ``netbios-ssn`` on 139 after a NetBIOS session request): sends an
  SMB2 NEGOTIATE (dialects 2.0.2 to 3.0.2) and accepts an SMB2 (``\\xfeSMB``) or SMB1
  (``\\xffSMB``) answer, reporting the dialect chosen and whether signing is required.
- RDP (``ms-wbt-server``): sends an X.224 Connection Request asking for TLS or CredSSP and
  expects a TPKT-framed X.224 Connection Confirm, reporting the security protocol the server
  selected (standard RDP security, TLS, CredSSP/NLA) or its negotiation failure.

A port that answers in another protocol is not applicable; one that stays silent or closes is
inconclusive. One finding per confirmed service, at ``port/protocol``.

Sample evidence::

    VNC reachable on an internet-exposed asset: banner 'RFB 003.008'; security types offered:
    None (no authentication)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from checks.protocols import rdp, smb, vnc
from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Connection,
    Exposure,
    Finding,
    NotApplicable,
    ServiceTarget,
    Severity,
)

Probe = Callable[[Connection, ServiceTarget], tuple[str, dict[str, Any]]]


def probe_vnc(conn: Connection, target: ServiceTarget) -> tuple[str, dict[str, Any]]:
    answer = vnc.handshake(conn)
    shown = answer.banner
    if answer.security_types == [0]:
        return (
            f"VNC reachable on an internet-exposed asset: banner {shown!r}; the server refused "
            f"the session: {answer.refused!r}",
            {"rfb": shown, "refused": answer.refused},
        )
    types = answer.security_types
    names = [vnc.SECURITY_TYPES.get(t, f"type {t}") for t in types]
    evidence = (
        f"VNC reachable on an internet-exposed asset: banner {shown!r}; security types "
        f"offered: {', '.join(names) or 'none'}"
    )
    return evidence, {
        "rfb": shown,
        "security_types": types,
        "no_authentication": vnc.NO_AUTHENTICATION in types,
    }


def probe_smb(conn: Connection, target: ServiceTarget) -> tuple[str, dict[str, Any]]:
    if target.service.name == "netbios-ssn" or target.service.port == 139:
        try:
            smb.netbios_session(conn)
        except smb.SessionRefused:
            return (
                "NetBIOS session service reachable on an internet-exposed asset: the session "
                "request was answered with a negative session response (0x83)",
                {"netbios": "refused"},
            )
    answer = smb.negotiate(conn)
    if answer.version == 1:
        return (
            "SMB reachable on an internet-exposed asset: the server answered an SMB2 NEGOTIATE "
            "in SMB1 (\\xffSMB): it speaks only the obsolete SMB1 protocol",
            {"smb": 1},
        )
    facts = [f"status {answer.status:#010x}"] if answer.status else []
    detail: dict[str, Any] = {"smb": 2, "status": answer.status}
    if answer.dialect is not None:
        name = smb.DIALECT_NAMES.get(answer.dialect, f"{answer.dialect:#06x}")
        required = bool(answer.security_mode & smb.SIGNING_REQUIRED)
        facts = [f"dialect {name}", f"signing {'required' if required else 'not required'}"]
        detail.update(dialect=name, signing_required=required)
    return (
        f"SMB reachable on an internet-exposed asset: SMB2 NEGOTIATE answered ({', '.join(facts)})",
        detail,
    )


def probe_rdp(conn: Connection, target: ServiceTarget) -> tuple[str, dict[str, Any]]:
    confirm = rdp.connect(conn)
    if confirm.selected is not None:
        what = f"selected protocol: {rdp.PROTOCOLS.get(confirm.selected, str(confirm.selected))}"
        detail: dict[str, Any] = {"selected_protocol": confirm.selected}
    elif confirm.failure is not None:
        what = f"negotiation failure: {rdp.FAILURES.get(confirm.failure, str(confirm.failure))}"
        detail = {"negotiation_failure": confirm.failure}
    else:
        what = "no negotiation response (standard RDP security only)"
        detail = {"selected_protocol": 0}
    return f"RDP reachable on an internet-exposed asset: X.224 Connection Confirm, {what}", detail


PROBES: dict[str, tuple[str, Probe]] = {
    "vnc": ("VNC", probe_vnc),
    "microsoft-ds": ("SMB", probe_smb),
    "netbios-ssn": ("SMB", probe_smb),
    "ms-wbt-server": ("RDP", probe_rdp),
}


class RemoteAdminExposed(Check):
    id = "net.remote-admin-exposed"
    title = "Remote administration service (RDP, VNC, SMB) reachable from the internet"
    family = "network"
    severity = Severity.MEDIUM
    applies_to = AppliesTo(services=tuple(PROBES))
    references = ("CWE-668", "CVE-2019-0708", "CVE-2017-0144", "MLPS-8.1.4.4c", "CSL-21")
    remediation = (
        "Do not expose RDP, VNC or SMB to the internet: close ports 3389, 5900 and 139/445 at "
        "the perimeter, reach remote desktops through a VPN or remote-desktop gateway with "
        "multi-factor authentication, and require authentication (NLA, VNC passwords, SMB "
        "signing) on the internal network too."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        if target.exposure != Exposure.INTERNET:
            raise NotApplicable("not internet-exposed")
        protocol, probe = PROBES[target.service.name]
        with ctx.connect(target.address, target.service.port, read_limit=16384) as conn:
            evidence, detail = probe(conn, target)
        yield self.finding(target, evidence, detail={"protocol": protocol, **detail})
