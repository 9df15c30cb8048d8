"""checks.protocols.rdp: Connection Confirms built from [MS-RDPBCGR] 2.2.1.2, and hostile ones."""

from __future__ import annotations

import struct

import pytest

from checks.protocols import rdp
from scanner.api import NotApplicable
from tests.checks.protocols.peer import answering


def confirm(neg: bytes) -> bytes:
    x224 = bytes([6 + len(neg), 0xD0, 0, 0, 0x12, 0x34, 0]) + neg
    return b"\x03\x00" + struct.pack(">H", 4 + len(x224)) + x224


def test_request_layout() -> None:
    assert struct.unpack(">H", rdp.X224_REQUEST[2:4])[0] == len(rdp.X224_REQUEST)


@pytest.mark.parametrize(
    ("neg", "expected"),
    [
        (b"\x02\x00\x08\x00" + struct.pack("<I", 2), rdp.Confirm(selected=2)),
        (b"\x03\x00\x08\x00" + struct.pack("<I", 5), rdp.Confirm(failure=5)),
        (b"", rdp.Confirm()),
    ],
)
def test_confirms(neg: bytes, expected: rdp.Confirm) -> None:
    with answering(confirm(neg)) as peer:
        assert rdp.connect(peer.conn) == expected
        assert peer.sent() == rdp.X224_REQUEST


@pytest.mark.parametrize(
    "data",
    [
        b"\x03\x00\xff\xff",  # absurd TPKT length
        b"\x03\x00\x00\x0b" + b"\x06\xe0\x00\x00\x00\x00\x00",  # a request, not a confirm
        b"SSH-2.0-OpenSSH_9.2\r\n",
    ],
)
def test_hostile_answers_are_not_rdp(data: bytes) -> None:
    with answering(data) as peer, pytest.raises(NotApplicable):
        rdp.connect(peer.conn)
