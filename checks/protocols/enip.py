"""EtherNet/IP (CIP over TCP, port 44818): the encapsulation command List Identity (0x0063),
nothing else.

List Identity needs no session and reaches no CIP object: the adapter answers with its identity
object (vendor, device type, product code, revision, serial, product name). :func:`kind` names a
frame from its encapsulation command, and the client asks ``declare`` before it leaves, so
RegisterSession and SendRRData / SendUnitData (the carriers of CIP writes and resets) cannot be
sent by mistake. The answer is at most 600 bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

from checks.protocols.wire import read_answer, read_exact
from scanner.api import Connection, Inconclusive, NotApplicable, one_line

REQUESTS = MappingProxyType(
    {
        "enip.list-identity": "encapsulation command 0x0063 List Identity (no session, no CIP)",
    }
)

Declare = Callable[[str, str], None]
WAIT = 3.0
MAX_BODY = 576
COMMANDS = {0x0063: "enip.list-identity"}
#: A few CIP vendor ids (the ODVA list is long; the number is always reported too).
VENDORS = {1: "Rockwell Automation/Allen-Bradley", 2: "Namco Controls", 5: "Rockwell Software",
           40: "WAGO", 44: "Parker Hannifin", 47: "Omron", 58: "Bosch Rexroth",
           90: "HMS Industrial Networks", 133: "Balogh", 161: "Eaton", 283: "Hilscher",
           674: "Siemens"}  # fmt: skip

LIST_IDENTITY = struct.pack("<HHII8sI", 0x0063, 0, 0, 0, b"scanner\x00", 0)


def kind(frame: bytes) -> str:
    if len(frame) < 24:
        return "enip.unknown"
    command, length = struct.unpack_from("<HH", frame)
    if length != len(frame) - 24 or length:  # List Identity carries no data
        return "enip.unknown"
    return COMMANDS.get(command, "enip.unknown")


@dataclass(frozen=True)
class Identity:
    """An EtherNet/IP identity object.

    Attributes:
        vendor_id / vendor: the CIP vendor id and its name when known.
        device_type / product_code: CIP device type and product code.
        revision: major.minor.
        serial: the serial number (hex).
        product_name: the product name string.
    """

    vendor_id: int
    vendor: str
    device_type: int
    product_code: int
    revision: str
    serial: str
    product_name: str


def list_identity(conn: Connection, declare: Declare, address: str) -> Identity:
    """Send List Identity and parse the first identity item; NotApplicable when not ENIP."""
    declare(kind(LIST_IDENTITY), address)
    conn.send(LIST_IDENTITY)
    head = read_answer(conn, 24, "List Identity", WAIT)
    if len(head) < 24:
        raise NotApplicable(f"not an EtherNet/IP answer: {one_line(head[:32])!r}")
    command, length, _, status = struct.unpack_from("<HHII", head)
    if command != 0x0063 or head[12:20] != LIST_IDENTITY[12:20]:
        raise NotApplicable(f"not an EtherNet/IP List Identity answer: {head[:24].hex()}")
    if status or not 2 <= length <= MAX_BODY:
        raise NotApplicable(f"List Identity refused (status {status}, length {length})")
    body = read_exact(conn, length, WAIT)
    if len(body) < length:
        raise Inconclusive("the List Identity answer was cut short")
    count = struct.unpack_from("<H", body)[0]
    if count < 1 or len(body) < 6 + 34:
        raise NotApplicable("List Identity answered no identity item")
    item_type, _ = struct.unpack_from("<HH", body, 2)
    if item_type != 0x0C:
        raise NotApplicable(f"List Identity item type {item_type:#06x} is not an identity")
    item = body[6:]
    # encapsulation version (2), socket address (16), then the identity object
    vendor, device_type, product, major, minor, _, serial = struct.unpack_from("<HHHBBHI", item, 18)
    size = item[32]
    name = one_line(item[33 : 33 + size].decode("latin-1"), 64)
    return Identity(
        vendor, VENDORS.get(vendor, ""), device_type, product, f"{major}.{minor}", f"{serial:08x}",
        name,
    )  # fmt: skip
