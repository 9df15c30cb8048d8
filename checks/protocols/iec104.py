"""IEC 60870-5-104 (telecontrol over TCP, port 2404): STARTDT, one general interrogation, an
acknowledgement of what came back, and STOPDT; nothing else.

:func:`send` names each APCI frame from its own bytes (U-frame function, S-frame, or the ASDU
type id of an I-frame) and asks ``declare`` before it leaves, so a command (type ids 45-69), a
clock synchronisation (103), a reset (105) or a file transfer (120-127) cannot be sent by
mistake. At most ``MAX_FRAMES`` answers of at most 255 bytes each are read.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType

from checks.protocols.wire import read_answer, read_exact
from scanner.api import Connection, Inconclusive, NotApplicable, one_line

REQUESTS = MappingProxyType(
    {
        "iec104.startdt": "U-frame STARTDT act (0x07): start data transfer",
        "iec104.interrogation": "I-frame C_IC_NA_1 (type 100) station interrogation, QOI 20, COT 6",
        "iec104.ack": "S-frame (0x01): acknowledge the received I-frames",
        "iec104.stopdt": "U-frame STOPDT act (0x13): stop data transfer before closing",
    }
)

Declare = Callable[[str, str], None]
MAX_FRAMES = 200
WAIT = 3.0

STARTDT = b"\x07\x00\x00\x00"
STOPDT = b"\x13\x00\x00\x00"
TYPE_NAMES = {1: "M_SP_NA_1", 3: "M_DP_NA_1", 5: "M_ST_NA_1", 7: "M_BO_NA_1", 9: "M_ME_NA_1",
              11: "M_ME_NB_1", 13: "M_ME_NC_1", 15: "M_IT_NA_1", 30: "M_SP_TB_1",
              31: "M_DP_TB_1", 34: "M_ME_TD_1", 35: "M_ME_TE_1", 36: "M_ME_TF_1",
              100: "C_IC_NA_1"}  # fmt: skip


def interrogation(common_address: int) -> bytes:
    """The APCI control field (send and receive sequence 0) and a C_IC_NA_1 activation."""
    return (
        b"\x00\x00\x00\x00"
        + bytes([100, 1, 6, 0])
        + struct.pack("<H", common_address)
        + (b"\x00\x00\x00\x14")
    )


def kind(frame: bytes) -> str:
    """The request kind an APCI frame is, read from its bytes (``iec104.unknown`` otherwise)."""
    if len(frame) < 6 or frame[0] != 0x68 or frame[1] != len(frame) - 2:
        return "iec104.unknown"
    control = frame[2]
    if control == 0x07 and frame[1] == 4:
        return "iec104.startdt"
    if control == 0x13 and frame[1] == 4:
        return "iec104.stopdt"
    if control == 0x01 and frame[1] == 4:
        return "iec104.ack"
    if control & 1 == 0 and len(frame) >= 16 and frame[6] == 100 and frame[8] & 0x3F == 6:
        return "iec104.interrogation"
    return "iec104.unknown"


def send(conn: Connection, declare: Declare, address: str, apci: bytes) -> None:
    frame = bytes([0x68, len(apci)]) + apci
    declare(kind(frame), address)
    conn.send(frame)


def receive(conn: Connection, what: str) -> bytes:
    """One APCI frame after the start byte and length; NotApplicable when it is not IEC 104."""
    head = read_answer(conn, 2, what, WAIT)
    if len(head) < 2 or head[0] != 0x68 or not 4 <= head[1] <= 253:
        raise NotApplicable(f"not an IEC 60870-5-104 answer: {one_line(head[:32])!r}")
    body = read_exact(conn, head[1], WAIT)
    if len(body) < head[1]:
        raise Inconclusive(f"the {what} answer was cut short")
    return body


@dataclass
class Station:
    """What an IEC 104 outstation answered.

    Attributes:
        common_addresses: the ASDU common addresses (stations) that answered.
        confirmed: whether the interrogation was confirmed (COT 7) and terminated (COT 10).
        objects: information objects reported, by type name.
    """

    common_addresses: set[int] = field(default_factory=set)
    confirmed: bool = False
    terminated: bool = False
    objects: dict[str, int] = field(default_factory=dict)


def interrogate(
    conn: Connection, declare: Declare, address: str, common_address: int, seconds: float
) -> Station:
    """STARTDT, then one general interrogation; collect answers for at most ``seconds``."""
    send(conn, declare, address, STARTDT)
    con = receive(conn, "STARTDT")
    if con[0] != 0x0B:
        raise NotApplicable(f"STARTDT not confirmed (control {con[0]:#04x})")
    send(conn, declare, address, interrogation(common_address))
    station, received, until = Station(), 0, time.monotonic() + seconds
    for _ in range(MAX_FRAMES):
        if station.terminated or time.monotonic() > until:
            break
        try:
            apci = receive(conn, "the interrogation")
        except Inconclusive:
            break
        if apci[0] & 1 or len(apci) < 10:
            continue  # S- or U-frame (TESTFR...): nothing to collect
        received += 1
        type_id, count, cot = apci[4], apci[5] & 0x7F, apci[6] & 0x3F
        station.common_addresses.add(struct.unpack_from("<H", apci, 8)[0])
        if type_id == 100:
            station.confirmed |= cot == 7
            station.terminated |= cot == 10
        else:
            name = TYPE_NAMES.get(type_id, f"type {type_id}")
            station.objects[name] = station.objects.get(name, 0) + count
    if received:
        send(conn, declare, address, b"\x01\x00" + struct.pack("<H", (received % 32768) << 1))
    send(conn, declare, address, STOPDT)
    return station
