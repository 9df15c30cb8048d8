"""MySQL / MariaDB client/server protocol: the server's greeting, before any credential.

A MySQL server speaks first: a packet (3-byte little-endian length, sequence 0) holding either
the protocol 10 handshake with the server version, or the error packet it greets a refused host
with. Only a plausible length is read, and at most 1 KiB of the payload.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from checks.protocols.wire import cstr, read_answer, read_exact
from scanner.api import Connection, NotApplicable, one_line

MAX_PACKET = 16384
MAX_READ = 1024


@dataclass(frozen=True)
class Greeting:
    """What the server greeted with.

    Attributes:
        version: the server version of a protocol 10 handshake (empty for an error packet).
        error: the error code of an error packet, else None.
        message: the error message, its SQL state marker (``#HY000``) removed.
    """

    version: str = ""
    error: int | None = None
    message: bytes = b""


def parse_greeting(payload: bytes) -> Greeting:
    """The greeting in one packet's payload; NotApplicable when it is neither a protocol 10
    handshake nor an error packet."""
    if payload[:1] == b"\x0a":
        version, pos = cstr(payload, 1)
        if not version or pos > len(payload):
            raise NotApplicable(f"malformed MySQL greeting: {one_line(payload[:64])!r}")
        return Greeting(version=version)
    if payload[:1] == b"\xff" and len(payload) >= 3:
        code = struct.unpack("<H", payload[1:3])[0]
        message = payload[3:]
        if message.startswith(b"#"):
            message = message[6:]
        return Greeting(error=code, message=message)
    raise NotApplicable(f"the service does not greet like MySQL: {one_line(payload[:64])!r}")


def read_greeting(conn: Connection) -> Greeting:
    """Read and parse the server's first packet."""
    head = read_answer(conn, 4, "the connection (MySQL greets first)")
    if len(head) < 4:
        raise NotApplicable(f"the service does not greet like MySQL: {one_line(head)!r}")
    length, seq = int.from_bytes(head[:3], "little"), head[3]
    if seq != 0 or not 7 <= length <= MAX_PACKET:
        raise NotApplicable(f"the service does not greet like MySQL: {one_line(head)!r}")
    return parse_greeting(read_exact(conn, min(length, MAX_READ)))
