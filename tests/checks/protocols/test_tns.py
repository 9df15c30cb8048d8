"""checks.protocols.tns: CONNECT and the listener's answers, built from the TNS packet layout."""

from __future__ import annotations

import struct

import pytest

from checks.protocols import tns
from scanner.api import NotApplicable
from tests.checks.protocols.peer import answering


def packet(kind: int, body: bytes, length: int | None = None) -> bytes:
    size = 8 + len(body) if length is None else length
    return struct.pack(">HHBBH", size, 0, kind, 0, 0) + body


def test_connect_packet_layout() -> None:
    data = tns.connect_packet()
    assert struct.unpack(">H", data[:2])[0] == len(data) and data[4] == 1
    assert data.endswith(b"(CONNECT_DATA=(COMMAND=version))")


def test_refuse_answer() -> None:
    text = b"(DESCRIPTION=(TMP=)(VSNNUM=318767104)(ERR=1189))"
    body = struct.pack(">BBH", 1, 0, len(text)) + text
    with answering(packet(tns.REFUSE, body)) as peer:
        assert tns.exchange(peer.conn) == ("REFUSE", text)
        assert peer.sent() == tns.connect_packet()


def test_resend_without_body() -> None:
    with answering(packet(11, b"")) as peer:
        assert tns.exchange(peer.conn) == ("RESEND", b"")


@pytest.mark.parametrize(
    "data",
    [
        b"\x00",  # one byte: no length field to unpack
        packet(4, b"", length=0xFFFF),  # absurd length
        packet(99, b"xxxx"),  # unknown packet type
        b"HTTP/1.0 400 Bad Request\r\n",
    ],
)
def test_hostile_answers_are_not_tns(data: bytes) -> None:
    with answering(data) as peer, pytest.raises(NotApplicable):
        tns.exchange(peer.conn)
