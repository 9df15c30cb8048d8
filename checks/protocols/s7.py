"""S7comm (Siemens S7-300/400/1200/1500, ISO-on-TCP port 102): COTP connect, Setup
Communication and an SZL read of the module identification, nothing else.

Every request goes through :func:`send`, which names it from its own bytes (COTP PDU type, S7
ROSCTR and function code, user-data group and subfunction) and asks ``declare`` (the check
context's ``request``) before anything leaves: a write, a PLC control or stop, a block upload or
download can never be sent by mistake, because its bytes name a kind no check declares.
Answers are TPKT frames of at most 1 KiB; SZL records are parsed within the frame.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

from checks.protocols.wire import read_answer, read_exact
from scanner.api import Connection, Inconclusive, NotApplicable, one_line

#: What the S7 client may send, by kind: every entry is read-only or session set-up.
REQUESTS = MappingProxyType(
    {
        "s7.cotp-connect": "COTP Connection Request (TPDU 0xE0) to TSAP 0x0102 (rack 0, slot 2), "
        "then 0x0200 (S7-1200/1500)",
        "s7.setup-communication": "S7 job, function 0xF0 Setup Communication (PDU size)",
        "s7.szl-read": "S7 user data, CPU functions group 4, subfunction 1 Read SZL "
        "(0x0011, 0x001C)",
    }
)

Declare = Callable[[str, str], None]
MAX_TPKT = 1024
WAIT = 3.0

#: Destination TSAPs tried in order: rack 0 slot 2 (S7-300/400), then 0x0200 (S7-1200/1500).
TSAPS = (0x0102, 0x0200)


def cotp_connect(tsap: int = 0x0102) -> bytes:
    """A COTP Connection Request from TSAP 0x0100 to ``tsap``."""
    return bytes.fromhex("11e00000000100c0010ac1020100c202") + struct.pack(">H", tsap)


COTP_CR = cotp_connect()
SETUP = bytes.fromhex("32010000000000080000f0000001000101e0")
DT = b"\x02\xf0\x80"  # COTP data TPDU, last unit


def szl_request(szl_id: int, index: int) -> bytes:
    """An S7 user-data Read SZL request for ``szl_id`` / ``index``."""
    params = bytes.fromhex("0001120411440100")
    data = b"\xff\x09" + struct.pack(">HHH", 4, szl_id, index)
    header = b"\x32\x07\x00\x00" + struct.pack(">HHH", 0x0100, len(params), len(data))
    return header + params + data


def kind(tpkt: bytes) -> str:
    """The request kind a TPKT frame is, read from its bytes (``s7.unknown`` otherwise)."""
    if len(tpkt) < 7 or tpkt[0] != 3:
        return "s7.unknown"
    cotp = tpkt[4:]
    if cotp[1] == 0xE0:
        return "s7.cotp-connect"
    s7 = cotp[1 + cotp[0] :] if cotp[1] == 0xF0 else b""
    if len(s7) < 10 or s7[0] != 0x32:
        return "s7.unknown"
    if s7[1] == 0x01 and len(s7) > 10 and s7[10] == 0xF0:
        return "s7.setup-communication"
    if s7[1] == 0x07 and len(s7) >= 18 and s7[14] == 0x11 and s7[15] == 0x44 and s7[16] == 0x01:
        return "s7.szl-read"
    return "s7.unknown"


def send(conn: Connection, declare: Declare, address: str, payload: bytes) -> None:
    """Frame ``payload`` (COTP and S7) in TPKT, have it declared, and send it."""
    frame = b"\x03\x00" + struct.pack(">H", len(payload) + 4) + payload
    declare(kind(frame), address)
    conn.send(frame)


def receive(conn: Connection, what: str) -> bytes:
    """One TPKT frame's payload (COTP onwards); NotApplicable when it is not TPKT."""
    head = read_answer(conn, 4, what, WAIT)
    if len(head) < 4 or head[0] != 3 or head[1] != 0:
        raise NotApplicable(f"not ISO-on-TCP (TPKT): {one_line(head[:32])!r}")
    size = struct.unpack_from(">H", head, 2)[0]
    if not 7 <= size <= MAX_TPKT:
        raise NotApplicable(f"TPKT length {size} out of range")
    body = read_exact(conn, size - 4, WAIT)
    if len(body) < size - 4:
        raise Inconclusive(f"the {what} answer was cut short")
    return body


@dataclass(frozen=True)
class S7Identity:
    """What an S7 CPU tells about itself.

    Attributes:
        order_code: the module's order number (MLFB), e.g. ``6ES7 315-2EH14-0AB0``.
        firmware: the firmware version from the module identification (``3.3.0``), or "".
        components: SZL 0x001C texts by name (system name, module, serial, copyright...).
    """

    order_code: str
    firmware: str
    components: dict[str, str]


COMPONENTS = {1: "system_name", 2: "module_name", 3: "plant_id", 4: "copyright", 5: "serial",
              7: "module_type", 11: "location"}  # fmt: skip


def _text(raw: bytes) -> str:
    return one_line(raw.split(b"\x00", 1)[0].decode("latin-1").strip(), 64)


def _szl_records(pdu: bytes) -> list[bytes]:
    """The records of an SZL answer (COTP onwards); ValueError when malformed or refused."""
    s7 = pdu[3:]
    if len(s7) < 12 or s7[0] != 0x32 or s7[1] != 0x07:
        raise ValueError("not an S7 user-data answer")
    plen, dlen = struct.unpack_from(">HH", s7, 6)
    data = s7[10 + plen : 10 + plen + dlen]
    if len(data) < 12 or data[0] != 0xFF:
        raise ValueError(f"SZL read refused (return code {data[:1].hex() or 'none'})")
    size, count = struct.unpack_from(">HH", data, 8)
    if not 2 <= size <= 256:
        raise ValueError(f"SZL record length {size} out of range")
    body = data[12:]
    return [body[i * size : (i + 1) * size] for i in range(min(count, len(body) // size))]


class NotConfirmed(NotApplicable):
    """The COTP connection request to this TSAP was not confirmed (another TSAP may be)."""


def identify(conn: Connection, declare: Declare, address: str, tsap: int = 0x0102) -> S7Identity:
    """Connect to ``tsap``, set up communication and read SZL 0x0011 and 0x001C;
    NotConfirmed when the COTP connection is refused, NotApplicable when it is not S7comm."""
    send(conn, declare, address, cotp_connect(tsap))
    cc = receive(conn, "the COTP connection request")
    if len(cc) < 2 or cc[1] != 0xD0:
        raise NotConfirmed(
            f"COTP connection to TSAP {tsap:#06x} not confirmed (TPDU {cc[1:2].hex() or 'none'})"
        )
    send(conn, declare, address, DT + SETUP)
    setup = receive(conn, "Setup Communication")
    if len(setup) < 5 or setup[3] != 0x32:
        raise NotApplicable(f"not an S7comm answer: {one_line(setup[:32])!r}")
    send(conn, declare, address, DT + szl_request(0x0011, 0x0001))
    try:
        modules = _szl_records(receive(conn, "the SZL read of the module identification"))
    except ValueError as exc:
        raise Inconclusive(f"S7comm answered, but {exc}") from exc
    order, firmware = "", ""
    for record in modules:
        index = struct.unpack_from(">H", record)[0] if len(record) >= 2 else 0
        if index == 0x0001:
            order = _text(record[2:22])
        if index in (0x0001, 0x0007) and len(record) >= 25 and any(record[-3:]):
            firmware = ".".join(str(b) for b in record[-3:])
    send(conn, declare, address, DT + szl_request(0x001C, 0x0001))
    components: dict[str, str] = {}
    try:
        for record in _szl_records(receive(conn, "the SZL read of the component identification")):
            name = COMPONENTS.get(struct.unpack_from(">H", record)[0] if len(record) >= 2 else 0)
            if name and _text(record[2:]):
                components[name] = _text(record[2:])
    except ValueError:
        pass  # component identification is optional; the module identification answered
    return S7Identity(order, firmware, components)
