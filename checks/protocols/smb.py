"""SMB: an SMB2 NEGOTIATE (dialects 2.0.2 to 3.0.2), and the NetBIOS session that port 139 wants
first. Nothing beyond the negotiation is sent.

The answer is framed by a 4-byte direct-TCP header; only plausible sizes are read (at most
512 bytes of the answer), and the dialect and security mode are read only when the answer is
long enough to hold them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from checks.protocols.wire import read_answer
from scanner.api import Connection, NotApplicable, one_line

DIALECTS = (0x0202, 0x0210, 0x0300, 0x0302)
DIALECT_NAMES = {0x0202: "2.0.2", 0x0210: "2.1", 0x0300: "3.0", 0x0302: "3.0.2", 0x0311: "3.1.1"}
DIALECT_NAMES[0x02FF] = "2.x (wildcard)"
SIGNING_REQUIRED = 0x02


class SessionRefused(Exception):
    """A NetBIOS negative session response (0x83): NetBIOS is there, SMB not reached."""


@dataclass(frozen=True)
class Negotiation:
    """An SMB server's answer to NEGOTIATE.

    Attributes:
        version: 1 when it answered in SMB1 (it speaks nothing newer), else 2.
        status: the SMB2 NT status (0 for success).
        dialect: the dialect chosen (None unless status is 0 and the answer holds it).
        security_mode: the SecurityMode field, likewise.
    """

    version: int
    status: int = 0
    dialect: int | None = None
    security_mode: int = 0


def negotiate_request() -> bytes:
    """An SMB2 NEGOTIATE request in its direct-TCP frame."""
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
    """Port 139 wants a NetBIOS session before SMB; SessionRefused on a negative answer."""
    called, calling = netbios_name("*SMBSERVER"), netbios_name("SCANNER")
    conn.send(b"\x81\x00" + struct.pack(">H", len(called + calling)) + called + calling)
    answer = read_answer(conn, 4, "the NetBIOS session request")
    if answer[:1] == b"\x83":
        raise SessionRefused(answer)
    if answer[:1] != b"\x82":
        raise NotApplicable(f"the service does not speak NetBIOS: {one_line(answer)!r}")


def parse_negotiate(reply: bytes) -> Negotiation:
    """The NEGOTIATE answer (after its frame header); NotApplicable when it is not SMB."""
    if reply.startswith(b"\xffSMB"):
        return Negotiation(version=1)
    if not reply.startswith(b"\xfeSMB") or len(reply) < 64:
        raise NotApplicable(f"the service does not speak SMB: {one_line(reply[:32])!r}")
    status = struct.unpack_from("<I", reply, 8)[0]
    if status == 0 and len(reply) >= 64 + 6:
        _size, mode, dialect = struct.unpack_from("<HHH", reply, 64)
        return Negotiation(2, status, dialect, mode)
    return Negotiation(2, status)


def negotiate(conn: Connection) -> Negotiation:
    """Send NEGOTIATE and read the answer."""
    conn.send(negotiate_request())
    head = read_answer(conn, 4, "the SMB2 NEGOTIATE")
    size = int.from_bytes(head[1:4], "big") if len(head) == 4 else 0
    if head[:1] != b"\x00" or not 4 <= size <= 65536:
        raise NotApplicable(f"the service does not speak SMB: {one_line(head)!r}")
    return parse_negotiate(read_answer(conn, min(size, 512), "the SMB2 NEGOTIATE"))
