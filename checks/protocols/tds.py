"""Microsoft SQL Server's TDS: the PRELOGIN exchange, which comes before any login.

The answer (TDS packet type 0x04) carries an option table: each token names an offset and a
size into the payload. Only plausible packet lengths are read (at most 4 KiB), at most 16
options are kept, and an offset or size that points outside the payload yields an empty value
rather than a read past the end.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from checks.protocols.wire import read_answer, read_exact
from scanner.api import Connection, NotApplicable, one_line

MAX_PACKET = 4096
MAX_OPTIONS = 16
PRELOGIN, RESPONSE = 0x12, 0x04
VERSION, ENCRYPTION_OPTION, TERMINATOR = 0x00, 0x01, 0xFF
ENCRYPTION = {0: "ENCRYPT_OFF", 1: "ENCRYPT_ON", 2: "ENCRYPT_NOT_SUP", 3: "ENCRYPT_REQ"}


@dataclass(frozen=True)
class Prelogin:
    """What a PRELOGIN answer says.

    Attributes:
        version: ``major.minor.build`` of the server.
        encryption: its encryption setting (``ENCRYPT_OFF``...), ``unknown`` when not sent.
    """

    version: str
    encryption: str


def packet(kind: int, options: list[tuple[int, bytes]]) -> bytes:
    """A TDS packet of ``kind`` whose payload is a PRELOGIN option table with ``options``."""
    offset = 5 * len(options) + 1
    table, data = b"", b""
    for token, value in options:
        table += struct.pack(">BHH", token, offset + len(data), len(value))
        data += value
    payload = table + b"\xff" + data
    return struct.pack(">BBHHBB", kind, 0x01, 8 + len(payload), 0, 0, 0) + payload


def prelogin() -> bytes:
    """A PRELOGIN packet: version, encryption off, instance, thread id."""
    return packet(
        PRELOGIN, [(0x00, b"\x00" * 6), (0x01, b"\x00"), (0x02, b"\x00"), (0x03, b"\x00" * 4)]
    )


def parse_prelogin(payload: bytes) -> Prelogin:
    """The version and encryption of a PRELOGIN answer's payload; NotApplicable without one."""
    options: dict[int, bytes] = {}
    pos = 0
    while pos + 5 <= len(payload) and payload[pos] != TERMINATOR and len(options) < MAX_OPTIONS:
        token, offset, size = struct.unpack_from(">BHH", payload, pos)
        options[token] = payload[offset : offset + size]
        pos += 5
    version = options.get(VERSION, b"")
    if len(version) < 4:
        raise NotApplicable(f"PRELOGIN answer without a version: {one_line(payload[:64])!r}")
    text = f"{version[0]}.{version[1]}.{struct.unpack('>H', version[2:4])[0]}"
    encryption = options.get(ENCRYPTION_OPTION, b"")
    enc = ENCRYPTION.get(encryption[0], str(encryption[0])) if encryption else "unknown"
    return Prelogin(text, enc)


def exchange(conn: Connection) -> Prelogin:
    """Send PRELOGIN and parse the answer."""
    conn.send(prelogin())
    head = read_answer(conn, 8, "PRELOGIN")
    if len(head) < 8 or head[0] != RESPONSE:
        raise NotApplicable(f"the service does not answer like MS SQL: {one_line(head)!r}")
    length = struct.unpack(">H", head[2:4])[0]
    if not 8 < length <= MAX_PACKET:
        raise NotApplicable(f"the service does not answer like MS SQL: {one_line(head)!r}")
    return parse_prelogin(read_exact(conn, length - 8))
