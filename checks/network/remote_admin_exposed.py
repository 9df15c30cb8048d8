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

import struct
import time
from collections.abc import Callable, Iterator
from typing import Any

from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Connection,
    DeadlineExceeded,
    Exposure,
    Finding,
    Inconclusive,
    NotApplicable,
    ServiceTarget,
    Severity,
    one_line,
)

WAIT = 5.0  # per answer; always also bounded by the check's deadline

Probe = Callable[[Connection, ServiceTarget], tuple[str, dict[str, Any]]]


def read_exact(conn: Connection, size: int, what: str) -> bytes:
    """Up to ``size`` bytes (fewer only when the peer closes or goes quiet part-way);
    Inconclusive when nothing at all arrives."""
    data = b""
    while len(data) < size:
        try:
            chunk = conn.recv(size - len(data), timeout=WAIT)
        except ConnectionError:
            if data:  # a reset after some bytes (e.g. a daemon rejecting us) ends the read
                break
            raise
        except TimeoutError:
            if time.monotonic() >= conn.deadline:
                raise DeadlineExceeded("the check's deadline passed") from None
            if data:
                break
            raise Inconclusive(f"no answer to {what} within {WAIT:.0f} s") from None
        if not chunk:
            break
        data += chunk
    if not data:
        raise Inconclusive(f"the service closed the connection without answering {what}")
    return data


# ------------------------------------------------------------------------------ VNC (RFB)

SECURITY_TYPES = {
    1: "None (no authentication)",
    2: "VNC Authentication",
    5: "RA2",
    6: "RA2ne",
    16: "Tight",
    17: "Ultra",
    18: "TLS",
    19: "VeNCrypt",
    20: "GTK-VNC SASL",
    21: "MD5 hash",
    22: "Colin Dean xvp",
    30: "Apple Remote Desktop",
}


def probe_vnc(conn: Connection, target: ServiceTarget) -> tuple[str, dict[str, Any]]:
    banner = read_exact(conn, 12, "the connection (VNC speaks first)")
    if len(banner) < 12 or not banner.startswith(b"RFB ") or banner[11:12] != b"\n":
        raise NotApplicable(f"the service does not speak VNC (RFB): {one_line(banner)!r}")
    shown = one_line(banner.strip(), 20)
    try:
        major, minor = int(banner[4:7]), int(banner[8:11])
    except ValueError:
        raise NotApplicable(f"malformed RFB banner: {shown!r}") from None
    if (major, minor) >= (3, 7):
        conn.send(b"RFB 003.008\n" if (major, minor) >= (3, 8) else b"RFB 003.007\n")
        count = read_exact(conn, 1, "our RFB version")[0]
        types = list(read_exact(conn, count, "the security types")) if count else [0]
    else:  # RFB 3.3: the server picks the one security type itself
        conn.send(b"RFB 003.003\n")
        types = [struct.unpack(">I", read_exact(conn, 4, "our RFB version").ljust(4, b"\0"))[0]]
    if types == [0]:  # the server refuses the session (e.g. too many failures): reason follows
        size = struct.unpack(">I", read_exact(conn, 4, "the failure reason").ljust(4, b"\0"))[0]
        reason = one_line(read_exact(conn, min(size, 200), "the failure reason"), 120)
        return (
            f"VNC reachable on an internet-exposed asset: banner {shown!r}; the server refused "
            f"the session: {reason!r}",
            {"rfb": shown, "refused": reason},
        )
    names = [SECURITY_TYPES.get(t, f"type {t}") for t in types]
    evidence = (
        f"VNC reachable on an internet-exposed asset: banner {shown!r}; security types "
        f"offered: {', '.join(names) or 'none'}"
    )
    return evidence, {"rfb": shown, "security_types": types, "no_authentication": 1 in types}


# ------------------------------------------------------------------------------ SMB

DIALECTS = (0x0202, 0x0210, 0x0300, 0x0302)
DIALECT_NAMES = {0x0202: "2.0.2", 0x0210: "2.1", 0x0300: "3.0", 0x0302: "3.0.2", 0x0311: "3.1.1"}
DIALECT_NAMES[0x02FF] = "2.x (wildcard)"


def smb2_negotiate() -> bytes:
    header = b"\xfeSMB" + struct.pack(
        "<HHIHHIIQIIQ16s", 64, 0, 0, 0, 0, 0, 0, 0, 0xFEFF, 0, 0, b"\x00" * 16
    )
    body = struct.pack("<HHHHI16sQ", 36, len(DIALECTS), 1, 0, 0, b"inspection-scan\x00", 0)
    message = header + body + b"".join(struct.pack("<H", d) for d in DIALECTS)
    return struct.pack(">I", len(message)) + message  # direct TCP transport header


def netbios_name(name: str) -> bytes:
    """First-level encoding of a 16-byte NetBIOS name (RFC 1001)."""
    raw = name.ljust(15)[:15].encode("ascii") + b"\x20"
    return b"\x20" + bytes(c for b in raw for c in (0x41 + (b >> 4), 0x41 + (b & 0x0F))) + b"\0"


def netbios_session(conn: Connection) -> None:
    """Port 139 wants a NetBIOS session before SMB; a refusal still proves the service."""
    called, calling = netbios_name("*SMBSERVER"), netbios_name("SCANNER")
    conn.send(b"\x81\x00" + struct.pack(">H", len(called + calling)) + called + calling)
    answer = read_exact(conn, 4, "the NetBIOS session request")
    if answer[:1] == b"\x83":
        raise _SessionRefused(answer)
    if answer[:1] != b"\x82":
        raise NotApplicable(f"the service does not speak NetBIOS: {one_line(answer)!r}")


class _SessionRefused(Exception):
    """A NetBIOS negative session response (0x83): NetBIOS is there, SMB not reached."""


def probe_smb(conn: Connection, target: ServiceTarget) -> tuple[str, dict[str, Any]]:
    if target.service.name == "netbios-ssn" or target.service.port == 139:
        try:
            netbios_session(conn)
        except _SessionRefused:
            return (
                "NetBIOS session service reachable on an internet-exposed asset: the session "
                "request was answered with a negative session response (0x83)",
                {"netbios": "refused"},
            )
    conn.send(smb2_negotiate())
    head = read_exact(conn, 4, "the SMB2 NEGOTIATE")
    size = int.from_bytes(head[1:4], "big") if len(head) == 4 else 0
    if head[:1] != b"\x00" or not 4 <= size <= 65536:
        raise NotApplicable(f"the service does not speak SMB: {one_line(head)!r}")
    reply = read_exact(conn, min(size, 512), "the SMB2 NEGOTIATE")
    if reply.startswith(b"\xffSMB"):
        return (
            "SMB reachable on an internet-exposed asset: the server answered an SMB2 NEGOTIATE "
            "in SMB1 (\\xffSMB): it speaks only the obsolete SMB1 protocol",
            {"smb": 1},
        )
    if not reply.startswith(b"\xfeSMB") or len(reply) < 64:
        raise NotApplicable(f"the service does not speak SMB: {one_line(reply[:32])!r}")
    status = struct.unpack_from("<I", reply, 8)[0]
    facts = [f"status {status:#010x}"] if status else []
    detail: dict[str, Any] = {"smb": 2, "status": status}
    if status == 0 and len(reply) >= 64 + 6:
        _size, mode, dialect = struct.unpack_from("<HHH", reply, 64)
        name = DIALECT_NAMES.get(dialect, f"{dialect:#06x}")
        signing = "required" if mode & 0x02 else "not required"
        facts = [f"dialect {name}", f"signing {signing}"]
        detail.update(dialect=name, signing_required=bool(mode & 0x02))
    return (
        f"SMB reachable on an internet-exposed asset: SMB2 NEGOTIATE answered ({', '.join(facts)})",
        detail,
    )


# ------------------------------------------------------------------------------ RDP

#: TPKT + X.224 Connection Request + RDP Negotiation Request (TLS | CredSSP).
X224_REQUEST = (
    b"\x03\x00\x00\x13"  # TPKT version 3, length 19
    b"\x0e\xe0\x00\x00\x00\x00\x00"  # X.224: LI 14, CR, dst-ref, src-ref, class 0
    b"\x01\x00\x08\x00\x03\x00\x00\x00"  # RDP_NEG_REQ: PROTOCOL_SSL | PROTOCOL_HYBRID
)
RDP_PROTOCOLS = {
    0: "standard RDP security",
    1: "TLS",
    2: "CredSSP (NLA)",
    3: "CredSSP (NLA)",
    4: "RDSTLS",
    8: "CredSSP with Early User Authorization",
}
RDP_FAILURES = {
    1: "TLS required by server",
    2: "TLS not allowed by server",
    3: "no TLS certificate on server",
    4: "inconsistent flags",
    5: "CredSSP required by server",
    6: "TLS with user authentication required",
}


def probe_rdp(conn: Connection, target: ServiceTarget) -> tuple[str, dict[str, Any]]:
    conn.send(X224_REQUEST)
    head = read_exact(conn, 4, "the X.224 Connection Request")
    size = struct.unpack(">H", head[2:4])[0] if len(head) == 4 else 0
    if head[:2] != b"\x03\x00" or not 11 <= size <= 512:
        raise NotApplicable(f"the service does not speak RDP (TPKT): {one_line(head)!r}")
    tpdu = read_exact(conn, size - 4, "the X.224 Connection Request")
    if len(tpdu) < 7 or tpdu[1] & 0xF0 != 0xD0:
        raise NotApplicable(f"no X.224 Connection Confirm: {one_line(tpdu[:16])!r}")
    neg = tpdu[7:]
    if len(neg) >= 8 and neg[0] == 0x02:
        selected = struct.unpack_from("<I", neg, 4)[0]
        what = f"selected protocol: {RDP_PROTOCOLS.get(selected, str(selected))}"
        detail: dict[str, Any] = {"selected_protocol": selected}
    elif len(neg) >= 8 and neg[0] == 0x03:
        failure = struct.unpack_from("<I", neg, 4)[0]
        what = f"negotiation failure: {RDP_FAILURES.get(failure, str(failure))}"
        detail = {"negotiation_failure": failure}
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
    references = ("CWE-668", "CVE-2019-0708", "CVE-2017-0144", "MLPS-8.1.4.4", "CSL-21")
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
