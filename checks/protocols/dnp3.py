"""DNP3 over TCP (IEEE 1815, port 20000): a link-layer Request Link Status and one application
Read of the device attributes (group 0); nothing else.

:func:`send` names each frame from its own bytes (link function code, and for user data the
application function code and object groups) and asks ``declare`` before it leaves, so a
write, select/operate, direct operate, restart, stop application or file function cannot be
sent by mistake. Frames are at most 292 bytes (the protocol's maximum); every CRC is checked.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType

from checks.protocols.wire import read_answer, read_exact
from scanner.api import Connection, Inconclusive, NotApplicable, one_line

REQUESTS = MappingProxyType(
    {
        "dnp3.link-status": "link layer, primary function 9 Request Link Status",
        "dnp3.read-attributes": "application function 0x01 READ of group 0 variation 254 "
        "(all device attributes), qualifier 0x06, unconfirmed user data",
    }
)

Declare = Callable[[str, str], None]
MASTER = 3  # our (master) link address
WAIT = 1.0  # per link-status answer: an outstation answers in milliseconds
#: Device attribute variations of group 0 worth reporting.
ATTRIBUTES = {252: "vendor", 250: "product", 242: "software_version", 243: "hardware_version",
              248: "serial", 246: "user_id", 247: "name", 249: "model"}  # fmt: skip


def crc(data: bytes) -> bytes:
    """The DNP3 link CRC (polynomial 0x3D65, reflected), little-endian."""
    value = 0
    for byte in data:
        value ^= byte
        for _ in range(8):
            value = (value >> 1) ^ 0xA6BC if value & 1 else value >> 1
    return struct.pack("<H", ~value & 0xFFFF)


def frame(control: int, dest: int, src: int, data: bytes = b"") -> bytes:
    """A link frame: header with CRC, then ``data`` in 16-byte blocks, each with its CRC."""
    head = b"\x05\x64" + bytes([5 + len(data), control]) + struct.pack("<HH", dest, src)
    blocks = b"".join(data[i : i + 16] + crc(data[i : i + 16]) for i in range(0, len(data), 16))
    return head + crc(head) + blocks


def read_attributes(sequence: int = 0) -> bytes:
    """Transport header and application READ of g0v254 (all attributes), qualifier 0x06."""
    return bytes([0xC0 | (sequence & 0x3F), 0xC0 | (sequence & 0x0F), 0x01, 0x00, 0xFE, 0x06])


def _user_data(raw: bytes) -> bytes:
    """The user data of a frame, CRCs checked; ValueError when a CRC is wrong."""
    if crc(raw[:8]) != raw[8:10]:
        raise ValueError("link header CRC mismatch")
    data, body = b"", raw[10:]
    while body:
        block = body[: min(16, len(body) - 2)]
        check, body = body[len(block) : len(block) + 2], body[len(block) + 2 :]
        if not block or crc(block) != check:
            raise ValueError("data block CRC mismatch")
        data += block
    return data


def kind(raw: bytes) -> str:
    """The request kind a link frame is, from its bytes (``dnp3.unknown`` otherwise)."""
    if len(raw) < 10 or raw[:2] != b"\x05\x64" or raw[3] & 0xC0 != 0xC0:
        return "dnp3.unknown"
    function = raw[3] & 0x0F
    if function == 9 and len(raw) == 10:
        return "dnp3.link-status"
    if function not in (3, 4):
        return "dnp3.unknown"
    try:
        data = _user_data(raw)
    except ValueError:
        return "dnp3.unknown"
    app = data[1:]  # after the transport header
    headers = app[2:]
    if len(app) >= 5 and app[1] == 0x01 and len(headers) % 3 == 0:
        groups = {headers[i] for i in range(0, len(headers), 3)}
        qualifiers = {headers[i + 2] for i in range(0, len(headers), 3)}
        if groups == {0} and qualifiers == {0x06}:
            return "dnp3.read-attributes"
    return "dnp3.unknown"


def send(conn: Connection, declare: Declare, address: str, raw: bytes) -> None:
    declare(kind(raw), address)
    conn.send(raw)


def receive(conn: Connection, what: str, wait: float = WAIT) -> tuple[int, int, bytes]:
    """One link frame: (control, source address, user data); NotApplicable when not DNP3."""
    head = read_answer(conn, 10, what, wait)
    if len(head) < 10 or head[:2] != b"\x05\x64" or head[2] < 5:
        raise NotApplicable(f"not a DNP3 link frame: {one_line(head[:32])!r}")
    size = head[2] - 5
    rest = read_exact(conn, size + 2 * ((size + 15) // 16), wait) if size else b""
    try:
        data = _user_data(head + rest)
    except ValueError as exc:
        raise NotApplicable(f"not a DNP3 link frame ({exc})") from exc
    return head[3], struct.unpack_from("<H", head, 6)[0], data


@dataclass
class Outstation:
    """What a DNP3 outstation answered.

    Attributes:
        address: its link address.
        application: whether it answered the application READ at all.
        iin: the internal indications of that answer (hex), e.g. ``0x0002`` object unknown.
        attributes: device attributes (vendor, product, software_version...) it reported.
    """

    address: int
    application: bool = False
    iin: str = ""
    attributes: dict[str, str] = field(default_factory=dict)


def _attributes(objects: bytes) -> dict[str, str]:
    found, i = {}, 0
    while i + 5 <= len(objects) and objects[i] == 0 and objects[i + 2] in (0x00, 0x17):
        variation = objects[i + 1]
        i += 5 if objects[i + 2] == 0x00 else 4  # start-stop range, or a count and an index
        if i + 2 > len(objects):
            break
        size = objects[i + 1]
        value = objects[i + 2 : i + 2 + size]
        i += 2 + size
        if variation in ATTRIBUTES and objects[i - 2 - size] == 1:  # type 1: visible string
            found[ATTRIBUTES[variation]] = one_line(value.decode("latin-1"), 64)
    return found


def probe(
    conn: Connection, declare: Declare, address: str, candidates: tuple[int, ...]
) -> Outstation:
    """Request Link Status of each candidate link address until one answers, then READ its
    device attributes; NotApplicable when the port is not DNP3, Inconclusive when none answers."""
    for dest in candidates:
        send(conn, declare, address, frame(0xC9, dest, MASTER))
        try:
            control, source, _ = receive(conn, "Request Link Status")
        except Inconclusive:
            continue
        if control & 0x0F == 11:  # Link Status
            break
    else:
        raise Inconclusive(f"no DNP3 link status answer from addresses {list(candidates)}")
    station = Outstation(source)
    send(conn, declare, address, frame(0xC4, source, MASTER, read_attributes()))
    try:
        for _ in range(4):  # a link acknowledgement may come before the response
            control, _, data = receive(conn, "the READ of device attributes", 3.0)
            if control & 0x0F in (3, 4) and len(data) >= 5 and data[2] in (0x81, 0x82):
                station.application = True
                station.iin = f"0x{data[3]:02x}{data[4]:02x}"
                station.attributes = _attributes(data[5:])
                break
    except Inconclusive:
        pass  # the link layer answered; the application layer stayed silent
    return station
