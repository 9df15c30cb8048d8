"""checks.protocols.mysql: greetings built from the protocol's spec (Protocol::HandshakeV10 and
ERR_Packet), and hostile ones."""

from __future__ import annotations

import struct

import pytest

from checks.protocols import mysql
from scanner.api import NotApplicable
from tests.checks.protocols.peer import answering


def packet(payload: bytes, seq: int = 0) -> bytes:
    return len(payload).to_bytes(3, "little") + bytes([seq]) + payload


HANDSHAKE = (
    b"\x0a10.11.6-MariaDB-0+deb12u1\x00"
    + struct.pack("<I", 42)
    + b"abcdefgh\x00"
    + struct.pack("<HBHH", 0xF7FE, 8, 2, 0x81FF)
)


def test_protocol_10_greeting() -> None:
    with answering(packet(HANDSHAKE)) as peer:
        greeting = mysql.read_greeting(peer.conn)
    assert greeting == mysql.Greeting(version="10.11.6-MariaDB-0+deb12u1")


def test_error_packet_loses_its_sql_state() -> None:
    payload = b"\xff" + struct.pack("<H", 1130) + b"#HY000Host '192.0.2.7' is not allowed"
    greeting = mysql.parse_greeting(payload)
    assert greeting.error == 1130 and greeting.message == b"Host '192.0.2.7' is not allowed"


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xff\xff\x00",  # 16 MiB announced
        packet(HANDSHAKE, seq=1),  # not the first packet
        b"\x05\x00\x00\x00\x0a",  # shorter than any greeting
        b"SSH-2.0-OpenSSH_9.2\r\n",
        packet(b"\x0a" + b"no terminator"),
        packet(b"\x0a\x00" + b"x" * 10),  # empty version
    ],
)
def test_hostile_greetings_are_not_mysql(data: bytes) -> None:
    with answering(data) as peer, pytest.raises(NotApplicable):
        mysql.read_greeting(peer.conn)


def test_the_payload_read_is_capped() -> None:
    with answering(packet(b"\x0a" + b"v" * 10000 + b"\x00")) as peer:
        with pytest.raises(NotApplicable):  # the version's NUL lies past the 1 KiB read
            mysql.read_greeting(peer.conn)
        assert peer.conn.read_left >= (1 << 20) - 4 - mysql.MAX_READ
