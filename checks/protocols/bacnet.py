"""BACnet/IP (building automation, UDP 47808): one ReadPropertyMultiple of the device object's
identification properties; nothing else.

:func:`kind` names a datagram from its own bytes (BVLC function, NPDU, APDU type and service
choice), and the client asks ``declare`` before it leaves, so a WriteProperty, a
DeviceCommunicationControl, a ReinitializeDevice or a file service cannot be sent by mistake.
The device object is addressed by the wildcard instance 4194303 ("the device that answers"), so
no Who-Is broadcast is needed. Answers are parsed within one datagram of at most 1,500 bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

from scanner.api import CheckContext, Inconclusive, NotApplicable, one_line

REQUESTS = MappingProxyType(
    {
        "bacnet.who-is": "unconfirmed request, service 8 Who-Is, unicast to the device (asked "
        "only when the device refuses the wildcard instance)",
        "bacnet.read-property-multiple": "confirmed request, service 14 ReadPropertyMultiple of "
        "the device object (wildcard instance 4194303): name, vendor, model, firmware, software "
        "version",
    }
)

Declare = Callable[[str, str], None]
#: Property identifiers read from the device object, and the names reported.
PROPERTIES = {77: "object_name", 121: "vendor", 120: "vendor_id", 70: "model",
              44: "firmware", 12: "software_version", 28: "description"}  # fmt: skip


WHO_IS = b"\x81\x0a\x00\x08\x01\x00\x10\x08"


def read_device(invoke_id: int, instance: int = 4194303) -> bytes:
    """BVLC original-unicast, NPDU expecting a reply, and the ReadPropertyMultiple request of
    device ``instance`` (the wildcard by default)."""
    refs = b"".join(bytes([0x09, prop]) for prop in PROPERTIES)
    device = (8 << 22) | (instance & 0x3FFFFF)
    apdu = bytes([0x00, 0x05, invoke_id & 0xFF, 14, 0x0C]) + struct.pack(">I", device)
    npdu = b"\x01\x04" + apdu + b"\x1e" + refs + b"\x1f"
    return b"\x81\x0a" + struct.pack(">H", len(npdu) + 4) + npdu


def _apdu(datagram: bytes) -> bytes:
    """The APDU of a BVLC/NPDU datagram; ValueError when it is not BACnet/IP."""
    if len(datagram) < 6 or datagram[0] != 0x81:
        raise ValueError("no BVLC header")
    offset = {0x0A: 4, 0x0B: 4, 0x04: 10}.get(datagram[1])
    if offset is None or struct.unpack_from(">H", datagram, 2)[0] != len(datagram):
        raise ValueError(f"BVLC function {datagram[1]:#04x} or length not expected")
    npdu = datagram[offset:]
    if len(npdu) < 2 or npdu[0] != 1 or npdu[1] & 0x80:
        raise ValueError("not an application-layer NPDU")
    i, control = 2, npdu[1]
    if control & 0x20:  # destination network, address and (later) hop count
        i += 3 + npdu[i + 2] if len(npdu) > i + 2 else 3
    if control & 0x08:  # source network and address
        i += 3 + npdu[i + 2] if len(npdu) > i + 2 else 3
    if control & 0x20:
        i += 1
    return npdu[i:]


def kind(datagram: bytes) -> str:
    """The request kind a datagram is, from its bytes (``bacnet.unknown`` otherwise)."""
    try:
        apdu = _apdu(datagram)
    except ValueError:
        return "bacnet.unknown"
    if apdu == b"\x10\x08":  # Who-Is without a range
        return "bacnet.who-is"
    device = len(apdu) >= 9 and struct.unpack_from(">I", apdu, 5)[0] >> 22 == 8
    if device and apdu[0] & 0xF0 == 0 and apdu[3] == 14 and apdu[4] == 0x0C:
        return "bacnet.read-property-multiple"  # of the device object only
    return "bacnet.unknown"


def i_am(datagram: bytes) -> int | None:
    """The device instance an I-Am datagram announces, or None when it is not an I-Am."""
    try:
        apdu = _apdu(datagram)
    except ValueError:
        return None
    if len(apdu) < 7 or apdu[:3] != b"\x10\x00\xc4":
        return None
    value = struct.unpack_from(">I", apdu, 3)[0]
    return int(value & 0x3FFFFF) if value >> 22 == 8 else None


def _value(data: bytes, i: int) -> tuple[str, int]:
    """One application-tagged value at ``i`` as text, and the offset after it."""
    tag, lvt = data[i] >> 4, data[i] & 7
    i += 1
    if lvt == 5:
        lvt, i = data[i], i + 1
    raw = data[i : i + lvt]
    if tag == 7 and raw:  # character string: first byte is the character set
        text = raw[1:].decode("utf-16-be" if raw[0] == 4 else "utf-8", "replace")
    elif tag in (2, 9):  # unsigned, enumerated
        text = str(int.from_bytes(raw, "big"))
    else:
        text = raw.hex()
    return one_line(text, 128), i + lvt


@dataclass(frozen=True)
class Device:
    """What a BACnet device said about its device object.

    Attributes:
        instance: the device object's instance number.
        properties: property values by name (``vendor``, ``model``, ``firmware``...).
        error: the BACnet error or reject the device answered instead, or "".
    """

    instance: int
    properties: dict[str, str]
    error: str = ""


def parse(datagram: bytes, invoke_id: int) -> Device:  # noqa: PLR0912 (one branch per tag)
    """The device of a ReadPropertyMultiple answer; NotApplicable when it is not one."""
    try:
        apdu = _apdu(datagram)
    except ValueError as exc:
        raise NotApplicable(f"not a BACnet/IP answer ({exc}): {one_line(datagram[:32])!r}") from exc
    if len(apdu) < 3 or apdu[1] != invoke_id & 0xFF:
        raise NotApplicable(f"not an answer to our request: {apdu[:8].hex()}")
    if apdu[0] & 0xF0 in (0x50, 0x60, 0x70):  # error, reject, abort: still a BACnet device
        return Device(-1, {}, error=f"APDU type {apdu[0] >> 4}, {apdu[2:8].hex()}")
    if apdu[0] & 0xF0 != 0x30 or apdu[2] != 14 or len(apdu) < 9 or apdu[3] != 0x0C:
        raise NotApplicable(f"not a ReadPropertyMultiple acknowledgement: {apdu[:8].hex()}")
    instance = struct.unpack_from(">I", apdu, 4)[0] & 0x3FFFFF
    found: dict[str, str] = {}
    i = 9
    try:
        if apdu[i] == 0x1E:
            i += 1
        while i < len(apdu) and apdu[i] != 0x1F:
            if apdu[i] & 0xF8 != 0x28:  # context tag 2: property identifier
                break
            size = apdu[i] & 7
            prop = int.from_bytes(apdu[i + 1 : i + 1 + size], "big")
            i += 1 + size
            if apdu[i] & 0xF8 == 0x38:  # context tag 3: array index
                i += 1 + (apdu[i] & 7)
            opening = apdu[i]
            i += 1
            if opening == 0x4E:
                text, i = _value(apdu, i)
                while apdu[i] != 0x4F:  # further values of a list: skip
                    _, i = _value(apdu, i)
                if prop in PROPERTIES:
                    found[PROPERTIES[prop]] = text
            else:  # 0x5E: error class and code for this property
                while apdu[i] != 0x5F:
                    _, i = _value(apdu, i)
            i += 1
    except IndexError:
        pass  # a truncated list: keep what was read
    return Device(instance, found)


def exchange(ctx: CheckContext, address: str, port: int, payload: bytes, wait: float) -> bytes:
    """Have ``payload`` declared (its kind read from its bytes), send it, return the reply."""
    ctx.request(kind(payload), address)
    try:
        return ctx.udp_exchange(address, port, payload, timeout=wait)
    except TimeoutError as exc:
        raise Inconclusive(f"no BACnet/IP answer within {wait:.0f} s") from exc


def read_identity(ctx: CheckContext, address: str, port: int, wait: float = 3.0) -> Device:
    """ReadPropertyMultiple of the wildcard device; when the device refuses the wildcard, a
    unicast Who-Is for its instance and the same read of that instance."""
    invoke = 1
    found = parse(exchange(ctx, address, port, read_device(invoke), wait), invoke)
    if not found.error:
        return found
    instance = i_am(exchange(ctx, address, port, WHO_IS, wait))
    if instance is None:
        return found  # a BACnet device, which refused the read and did not say who it is
    invoke = 2
    return parse(exchange(ctx, address, port, read_device(invoke, instance), wait), invoke)
