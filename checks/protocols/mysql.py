"""MySQL / MariaDB client/server protocol: the server's greeting, before any credential.

A MySQL server speaks first: a packet (3-byte little-endian length, sequence 0) holding either
the protocol 10 handshake with the server version, or the error packet it greets a refused host
with. Only a plausible length is read, and at most 1 KiB of the payload. Only
:func:`password_login` (credential checks) sends a credential: a HandshakeResponse41 with
``mysql_native_password`` (also after an authentication switch to it), then ``COM_QUIT`` as soon
as the login is accepted.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from checks.protocols.wire import cstr, read_answer, read_exact
from scanner.api import Connection, Inconclusive, NotApplicable, one_line

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
    scramble: bytes = b""
    plugin: str = ""


def parse_greeting(payload: bytes) -> Greeting:
    """The greeting in one packet's payload; NotApplicable when it is neither a protocol 10
    handshake nor an error packet."""
    if payload[:1] == b"\x0a":
        version, pos = cstr(payload, 1)
        if not version or pos > len(payload):
            raise NotApplicable(f"malformed MySQL greeting: {one_line(payload[:64])!r}")
        scramble, plugin = _auth_data(payload, pos)
        return Greeting(version=version, scramble=scramble, plugin=plugin)
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


CLIENT_CAPABILITIES = 0x1 | 0x200 | 0x8000 | 0x80000  # long password, 4.1, secure, plugin auth
NATIVE = "mysql_native_password"


def _auth_data(payload: bytes, pos: int) -> tuple[bytes, str]:
    """The scramble (20 bytes) and auth plugin name after the version of a protocol 10
    greeting; empty when the greeting is too short to hold them."""
    first = payload[pos + 4 : pos + 12]  # after the connection id
    rest = pos + 12 + 1 + 2 + 1 + 2 + 2  # filler, capabilities, charset, status, capabilities
    if len(payload) < rest + 11:
        return b"", ""
    size = payload[rest]
    start = rest + 11
    second = payload[start : start + max(13, size - 8)].rstrip(b"\x00")
    plugin, _ = cstr(payload, start + max(13, size - 8))
    return first + second, plugin


def native_response(password: str, scramble: bytes) -> bytes:
    """``mysql_native_password``: SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw)))."""
    if not password:
        return b""
    once = hashlib.sha1(password.encode()).digest()  # noqa: S324 - the protocol's own hash
    twice = hashlib.sha1(once).digest()  # noqa: S324
    mask = hashlib.sha1(scramble[:20] + twice).digest()  # noqa: S324
    return bytes(a ^ b for a, b in zip(once, mask, strict=True))


def _packet(seq: int, payload: bytes) -> bytes:
    return len(payload).to_bytes(3, "little") + bytes([seq & 0xFF]) + payload


def _read_packet(conn: Connection) -> tuple[int, bytes]:
    head = read_answer(conn, 4, "the login")
    length = int.from_bytes(head[:3], "little")
    if len(head) < 4 or not 1 <= length <= MAX_PACKET:
        raise Inconclusive(f"an implausible MySQL packet: {one_line(head)!r}")
    return head[3], read_exact(conn, min(length, MAX_READ))


def password_login(conn: Connection, user: str, password: str) -> bool:
    """Log in as ``user`` with ``password`` (``mysql_native_password``): True when accepted
    (then ``COM_QUIT`` is sent), False when refused (error 1045, access denied)."""
    greeting = read_greeting(conn)
    if greeting.error is not None:
        raise Inconclusive(
            f"the server refuses this host before any login: error {greeting.error} "
            f"{one_line(greeting.message, 120)!r}"
        )
    if greeting.plugin not in ("", NATIVE) or len(greeting.scramble) < 20:
        raise Inconclusive(f"the server asks for {greeting.plugin or 'an unknown method'}")
    auth = native_response(password, greeting.scramble)
    body = struct.pack("<IIB", CLIENT_CAPABILITIES, 1 << 24, 33) + bytes(23)
    body += user.encode() + b"\x00" + bytes([len(auth)]) + auth + NATIVE.encode() + b"\x00"
    conn.send(_packet(1, body))
    seq, reply = _read_packet(conn)
    if reply[:1] == b"\xfe" and len(reply) > 1:  # authentication switch request
        plugin, pos = cstr(reply, 1)
        if plugin != NATIVE:
            raise Inconclusive(f"the server switches the login to {plugin}")
        conn.send(_packet(seq + 1, native_response(password, reply[pos:].rstrip(b"\x00"))))
        seq, reply = _read_packet(conn)
    if reply[:1] == b"\x00":
        conn.send(_packet(0, b"\x01"))  # COM_QUIT
        return True
    if reply[:1] == b"\xff" and len(reply) >= 3:
        code = struct.unpack("<H", reply[1:3])[0]
        if code == 1045:
            return False
        raise Inconclusive(f"the login failed with error {code}: {one_line(reply[3:], 120)!r}")
    raise Inconclusive(f"an unexpected answer to the login: {one_line(reply[:40])!r}")
