"""checks.protocols.bson: documents built from the BSON spec (bsonspec.org), and hostile ones."""

from __future__ import annotations

import struct

from checks.protocols import bson


def element(kind: int, name: str, value: bytes) -> bytes:
    return bytes([kind]) + name.encode() + b"\x00" + value


def document(*elements: bytes) -> bytes:
    body = b"".join(elements) + b"\x00"
    return struct.pack("<i", 4 + len(body)) + body


def string(text: str) -> bytes:
    raw = text.encode() + b"\x00"
    return struct.pack("<i", len(raw)) + raw


def test_int32_doc_round_trip() -> None:
    assert bson.fields(bson.int32_doc("isMaster")) == {"isMaster": 1}


def test_scalar_fields_and_skipped_values() -> None:
    doc = document(
        element(0x08, "ismaster", b"\x01"),
        element(0x10, "maxWireVersion", struct.pack("<i", 21)),
        element(0x02, "setName", string("rs0")),
        element(0x03, "topologyVersion", document(element(0x10, "x", struct.pack("<i", 1)))),
        element(0x07, "electionId", b"\x00" * 12),
        element(0x12, "big", struct.pack("<q", 1 << 40)),
        element(0x01, "ok", struct.pack("<d", 1.0)),
    )
    assert bson.fields(doc) == {
        "ismaster": True,
        "maxWireVersion": 21,
        "setName": "rs0",
        "big": 1 << 40,
        "ok": 1.0,
    }


def test_absurd_and_truncated_lengths_stop_the_parse() -> None:
    ok = element(0x10, "a", struct.pack("<i", 7))
    absurd = element(0x02, "s", struct.pack("<i", 0x7FFFFFF0) + b"abc")
    negative = element(0x03, "d", struct.pack("<i", -5))
    assert bson.fields(document(ok, absurd, ok)) == {"a": 7}
    assert bson.fields(document(ok, negative)) == {"a": 7}
    assert bson.fields(document(ok)[:-4]) == {}  # cut inside the int32
    assert bson.fields(document(ok, element(0x99, "unknown", b"\x00"))) == {"a": 7}


def test_at_most_64_fields_are_kept() -> None:
    doc = document(*(element(0x10, f"k{i}", struct.pack("<i", i)) for i in range(1000)))
    assert len(bson.fields(doc)) == bson.MAX_FIELDS
