"""checks.protocols.tds: PRELOGIN built from the spec ([MS-TDS] 2.2.6.5), and hostile answers."""

from __future__ import annotations

import struct

import pytest

from checks.protocols import tds
from scanner.api import NotApplicable
from tests.checks.protocols.peer import answering

SQL_2019 = bytes([15, 0]) + struct.pack(">H", 2000) + b"\0\0"


def answer(version: bytes = SQL_2019, enc: int = 2) -> bytes:
    options = [(tds.VERSION, version), (tds.ENCRYPTION_OPTION, bytes([enc]))]
    return tds.packet(tds.RESPONSE, options)


def test_our_prelogin_is_a_valid_option_table() -> None:
    packet = tds.prelogin()
    assert packet[0] == 0x12 and struct.unpack(">H", packet[2:4])[0] == len(packet)
    assert tds.parse_prelogin(packet[8:]) == tds.Prelogin("0.0.0", "ENCRYPT_OFF")


def test_server_answer() -> None:
    with answering(answer()) as peer:
        assert tds.exchange(peer.conn) == tds.Prelogin("15.0.2000", "ENCRYPT_NOT_SUP")
        assert peer.sent() == tds.prelogin()


def test_offsets_outside_the_payload_read_nothing() -> None:
    payload = struct.pack(">BHH", tds.VERSION, 0xFFF0, 0xFFFF) + b"\xff"
    with pytest.raises(NotApplicable, match="without a version"):
        tds.parse_prelogin(payload)


def test_an_endless_option_table_is_bounded() -> None:
    payload = struct.pack(">BHH", 0x07, 0, 1) * 10000
    with pytest.raises(NotApplicable):
        tds.parse_prelogin(payload)


@pytest.mark.parametrize(
    "data",
    [
        b"\x04\x01\xff\xff\x00\x00\x01\x00",  # 64 KiB announced
        b"\x04\x01\x00\x08\x00\x00\x01\x00",  # no payload
        b"\x12\x01\x00\x10\x00\x00\x00\x00",  # a request, not a response
        b"\x04",
    ],
)
def test_hostile_answers_are_not_tds(data: bytes) -> None:
    with answering(data) as peer, pytest.raises(NotApplicable):
        tds.exchange(peer.conn)
