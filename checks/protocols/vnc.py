"""VNC's RFB protocol: the version banner and the security types, before any authentication.

The server speaks first (``RFB 003.008\\n``); we answer with the same version and read the list
of security types it offers (RFB 3.7 and later) or the one it chose (3.3), then stop without
choosing one. A refused session's reason is read, at most 200 bytes of it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from checks.protocols.wire import read_answer
from scanner.api import Connection, NotApplicable, one_line

NO_AUTHENTICATION = 1
SECURITY_TYPES = {
    NO_AUTHENTICATION: "None (no authentication)",
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


@dataclass(frozen=True)
class Handshake:
    """What an RFB server said before authentication.

    Attributes:
        banner: its version banner, e.g. ``RFB 003.008``.
        security_types: the types offered (``[0]`` when it refused the session).
        refused: the reason of a refused session, else empty.
    """

    banner: str
    security_types: list[int]
    refused: str = ""


def parse_banner(banner: bytes) -> tuple[int, int]:
    """(major, minor) of an ``RFB xxx.yyy\\n`` banner; NotApplicable when it is not one."""
    if len(banner) < 12 or not banner.startswith(b"RFB ") or banner[11:12] != b"\n":
        raise NotApplicable(f"the service does not speak VNC (RFB): {one_line(banner)!r}")
    try:
        return int(banner[4:7]), int(banner[8:11])
    except ValueError:
        raise NotApplicable(f"malformed RFB banner: {one_line(banner.strip(), 20)!r}") from None


def _u32(conn: Connection, what: str) -> int:
    return int(struct.unpack(">I", read_answer(conn, 4, what).ljust(4, b"\0"))[0])


def handshake(conn: Connection) -> Handshake:
    """Read the banner, answer its version, read the security types."""
    banner = read_answer(conn, 12, "the connection (VNC speaks first)")
    major, minor = parse_banner(banner)
    shown = one_line(banner.strip(), 20)
    if (major, minor) >= (3, 7):
        conn.send(b"RFB 003.008\n" if (major, minor) >= (3, 8) else b"RFB 003.007\n")
        count = read_answer(conn, 1, "our RFB version")[0]
        types = list(read_answer(conn, count, "the security types")) if count else [0]
    else:  # RFB 3.3: the server picks the one security type itself
        conn.send(b"RFB 003.003\n")
        types = [_u32(conn, "our RFB version")]
    if types == [0]:  # the server refuses the session (e.g. too many failures): reason follows
        size = _u32(conn, "the failure reason")
        reason = one_line(read_answer(conn, min(size, 200), "the failure reason"), 120)
        return Handshake(shown, types, reason)
    return Handshake(shown, types)
