"""Modbus/TCP: read-only requests (Read Device Identification, Read Holding Registers) and
their answers.

An answer is accepted only with our transaction id, protocol id 0 and a length of 2 to 254
bytes (the protocol's maximum), so at most one ADU is ever read; device identification objects
are parsed within the PDU, a truncated object list being a ValueError.
"""

from __future__ import annotations

import secrets
import struct
from collections.abc import Callable
from types import MappingProxyType

from scanner.api import Connection, Inconclusive, NotApplicable, one_line

# READ-ONLY: this module builds only function 0x2B/0x0E (Read Device Identification) and 0x03 (Read
# Holding Registers). Never add a write function code (0x05, 0x06, 0x0F, 0x10, 0x16, 0x17): writes
# change a live industrial process.
READ_DEVICE_ID = bytes([0x2B, 0x0E, 0x01, 0x00])  # MEI 0x0E, basic device id, from object 0
READ_HOLDING = bytes([0x03]) + struct.pack(">HH", 0, 1)  # one register at address 0
REQUESTS = MappingProxyType(
    {
        "modbus.read-device-id": "function 0x2B / MEI 0x0E Read Device Identification (basic)",
        "modbus.read-holding": "function 0x03 Read Holding Registers (one register at address 0)",
    }
)
KINDS = {READ_DEVICE_ID: "modbus.read-device-id", READ_HOLDING: "modbus.read-holding"}
Declare = Callable[[str, str], None]


def kind(adu: bytes) -> str:
    """The request kind a Modbus/TCP ADU is, from its bytes (``modbus.unknown`` otherwise)."""
    if (
        len(adu) < 8
        or adu[2:4] != b"\x00\x00"
        or struct.unpack_from(">H", adu, 4)[0] != len(adu) - 6
    ):
        return "modbus.unknown"
    return KINDS.get(adu[7:], "modbus.unknown")


OBJECTS = {
    0: "VendorName",
    1: "ProductCode",
    2: "MajorMinorRevision",
    3: "VendorUrl",
    4: "ProductName",
    5: "ModelName",
    6: "UserApplicationName",
}


def exchange(
    conn: Connection,
    unit: int,
    pdu: bytes,
    wait: float,
    *,
    declare: Declare | None = None,
    address: str = "",
) -> bytes:
    """Send one Modbus/TCP request and return the response PDU (function code first); the
    request is first named from its bytes and passed to ``declare`` (a check's
    ``ctx.request``), which refuses what the check does not declare."""
    tid = secrets.randbelow(0xFFFF) + 1
    adu = struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu
    if declare is not None:
        declare(kind(adu), address)
    conn.send(adu)
    data = b""
    try:
        while len(data) < 7:
            chunk = conn.recv(260, timeout=wait)
            if not chunk:
                break
            data += chunk
        if len(data) >= 7:
            rtid, proto, length, _ = struct.unpack_from(">HHHB", data)
            if rtid != tid or proto != 0 or not 2 <= length <= 254:
                raise NotApplicable(f"not a Modbus/TCP answer: {one_line(data[:64])!r}")
            while len(data) < 6 + length:
                chunk = conn.recv(6 + length - len(data), timeout=wait)
                if not chunk:
                    break
                data += chunk
    except TimeoutError as exc:
        if not data:
            raise Inconclusive("the port accepted the request but sent nothing back") from exc
    if len(data) < 8:
        if not data:
            raise Inconclusive("the service closed the connection without an answer")
        raise NotApplicable(f"not a Modbus/TCP answer: {one_line(data[:64])!r}")
    return data[7:]


def parse_device_id(pdu: bytes) -> dict[str, str]:
    """Objects of a Read Device Identification response PDU; ValueError when malformed."""
    if len(pdu) < 7 or pdu[0] != 0x2B or pdu[1] != 0x0E:
        raise ValueError("not a Read Device Identification response")
    count, offset, objects = pdu[6], 7, {}
    for _ in range(count):
        if offset + 2 > len(pdu):
            raise ValueError("device identification truncated")
        obj, size = pdu[offset], pdu[offset + 1]
        value = pdu[offset + 2 : offset + 2 + size].decode("utf-8", "replace")
        objects[OBJECTS.get(obj, f"object{obj:#04x}")] = value
        offset += 2 + size
    return objects
