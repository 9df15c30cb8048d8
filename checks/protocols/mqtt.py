"""MQTT 3.1.1 (OASIS) CONNECT and CONNACK: enough to learn whether a broker lets a client in.

``CONNECT`` carries a clean session, the client id ``scanner-probe`` and, when given, a user
name and password; the ``CONNACK`` read is exactly four bytes. Nothing is ever subscribed or
published.
"""

from __future__ import annotations

from checks.protocols.wire import read_answer
from scanner.api import Connection, NotApplicable, one_line

CLIENT_ID = b"scanner-probe"
DISCONNECT = b"\xe0\x00"
ACCEPTED = 0
KEEPALIVE = 10


def _field(value: bytes) -> bytes:
    return len(value).to_bytes(2, "big") + value


def _remaining_length(size: int) -> bytes:
    out = bytearray()
    while True:
        byte, size = size % 128, size // 128
        out.append(byte | (0x80 if size else 0))
        if not size:
            return bytes(out)


def connect_packet(user: str = "", password: str = "") -> bytes:
    """A CONNECT (protocol level 4) with ``user`` and ``password`` when given (clean session)."""
    flags = 0x02 | (0x80 if user else 0) | (0x40 if user and password else 0)
    header = b"\x00\x04MQTT\x04" + bytes([flags]) + KEEPALIVE.to_bytes(2, "big")
    payload = _field(CLIENT_ID)
    if user:
        payload += _field(user.encode())
        if password:
            payload += _field(password.encode())
    body = header + payload
    return b"\x10" + _remaining_length(len(body)) + body


def connack(conn: Connection) -> int:
    """The CONNACK's return code; NotApplicable when the answer is not a CONNACK."""
    reply = read_answer(conn, 4, "CONNECT")
    if reply[:2] != b"\x20\x02" or len(reply) < 4:
        raise NotApplicable(f"the service does not answer like MQTT: {one_line(reply)!r}")
    return reply[3]
