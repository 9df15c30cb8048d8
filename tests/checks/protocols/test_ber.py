"""checks.protocols.ber: encodings checked against X.690 examples, and hostile TLVs."""

from __future__ import annotations

import pytest

from checks.protocols import ber


def test_short_and_long_form_lengths() -> None:
    assert ber.tlv(0x04, b"ab") == b"\x04\x02ab"
    assert ber.tlv(0x04, b"x" * 200)[:3] == b"\x04\x81\xc8"
    assert ber.tlv(0x04, b"x" * 300)[:4] == b"\x04\x82\x01\x2c"


def test_integer_and_oid() -> None:
    assert ber.integer(0) == b"\x02\x01\x00"
    assert ber.integer(128) == b"\x02\x02\x00\x80"  # a sign byte keeps it positive
    assert ber.integer(-1) == b"\x02\x01\xff"
    assert ber.oid("1.3.6.1.2.1.1.1.0") == bytes.fromhex("06082b06010201010100")
    assert ber.oid("1.2.840.113549") == bytes.fromhex("06062a864886f70d")


def test_read_round_trip() -> None:
    data = ber.tlv(0x30, ber.integer(5) + ber.tlv(0x04, b"x" * 300))
    tag, value, end = ber.read(data)
    assert (tag, end) == (0x30, len(data))
    _, number, pos = ber.read(value)
    assert number == b"\x05"
    assert ber.read(value, pos)[1] == b"x" * 300


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"\x30", "truncated"),
        (b"\x30\x05abc", "truncated"),
        (b"\x30\x85\xff\xff\xff\xff\xff", "bad BER length"),  # five length bytes
        (b"\x30\x80", "bad BER length"),  # indefinite length
        (b"\x30\x84\x7f\xff\xff\xff", "truncated"),  # 2 GiB announced
    ],
)
def test_hostile_tlvs(data: bytes, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        ber.read(data)
