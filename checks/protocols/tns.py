"""Oracle's TNS: a CONNECT asking the listener for its version, and the packet it answers with.

The answer is accepted only as one of the packet types a listener sends (ACCEPT, REFUSE,
REDIRECT, RESEND, MARKER) with a plausible length (at most 8 KiB is read).
"""

from __future__ import annotations

import struct

from checks.protocols.wire import read_answer, read_exact
from scanner.api import Connection, NotApplicable, one_line

MAX_PACKET = 8192
REFUSE = 4
TYPES = {2: "ACCEPT", REFUSE: "REFUSE", 5: "REDIRECT", 11: "RESEND", 12: "MARKER"}


def connect_packet() -> bytes:
    """A TNS CONNECT carrying ``(CONNECT_DATA=(COMMAND=version))``."""
    data = b"(CONNECT_DATA=(COMMAND=version))"
    offset = 58
    body = struct.pack(
        ">HHHHHHHHHHIBB", 0x0136, 0x012C, 0, 0x0800, 0x7FFF, 0x7F08, 0, 0x0100, len(data),
        offset, 0, 0x41, 0x41,
    )  # fmt: skip
    body += b"\x00" * (offset - 8 - len(body))
    return struct.pack(">HHBBH", offset + len(data), 0, 1, 0, 0) + body + data


def parse_head(head: bytes) -> tuple[int, int]:
    """(packet length, packet type) of an 8-byte TNS header; NotApplicable when it is not one."""
    if len(head) < 8:  # checked first: a one-byte answer has no length field to unpack
        raise NotApplicable(f"the service does not answer like Oracle TNS: {one_line(head)!r}")
    length, kind = struct.unpack(">H", head[:2])[0], head[4]
    if kind not in TYPES or not 8 <= length <= MAX_PACKET:
        raise NotApplicable(f"the service does not answer like Oracle TNS: {one_line(head)!r}")
    return length, kind


def packet_text(kind: int, body: bytes) -> bytes:
    """The readable part of a packet body (a REFUSE starts with reasons and a data length)."""
    return (body[4:] if kind == REFUSE else body).strip(b"\x00")


def exchange(conn: Connection) -> tuple[str, bytes]:
    """Send CONNECT: (the answer's packet type name, its text)."""
    conn.send(connect_packet())
    length, kind = parse_head(read_answer(conn, 8, "a TNS CONNECT"))
    body = read_exact(conn, length - 8) if length > 8 else b""
    return TYPES[kind], packet_text(kind, body)
