"""The industrial protocol clients against hostile answers: random bytes, truncations and
mutations of real answers end in the engine's outcomes (NotApplicable, Inconclusive) or a parsed
result, never in another exception, and within the read caps."""

from __future__ import annotations

import contextlib
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from checks.protocols import bacnet, dnp3, enip, iec104, modbus, opcua, s7
from scanner.api import Inconclusive, NotApplicable
from tests.checks.protocols.peer import answering

OUTCOMES = (NotApplicable, Inconclusive)
blobs = st.binary(max_size=600)


def _declare(kind: str, address: str) -> None:
    assert not kind.endswith(".unknown"), kind  # the clients only ever send known kinds


@settings(max_examples=150, deadline=None)
@given(blobs)
def test_kinds_never_raise(data: bytes) -> None:
    for kind in (s7.kind, iec104.kind, dnp3.kind, bacnet.kind, enip.kind, opcua.kind, modbus.kind):
        assert isinstance(kind(data), str)


@settings(max_examples=150, deadline=None)
@given(blobs)
def test_bacnet_and_dnp3_parsers_never_raise_anything_else(data: bytes) -> None:
    with contextlib.suppress(*OUTCOMES):
        bacnet.parse(data, 1)
    bacnet.i_am(data)
    dnp3._attributes(data)
    with contextlib.suppress(ValueError):
        s7._szl_records(data)


# Answers recorded from the lab's servers (bacpypes3, python-snap7).
BACNET_ACK = bytes.fromhex(
    "810a0076010030090e0c020004d21e294d4e750a006c61622d6168752d314f29794e751300496e7370656374"
    "696f6e204c616220424d534f29784e2203e74f29464e750a004c41422d4241432d314f292c4e750600322e34"
    "2e314f290c4e750c006c61622d626d7320312e304f291c5e910291205f1f"
)
S7_SZL = bytes.fromhex(
    "0300007d02f080320700000100000c0060000112081284010000000000ff09005c00110001001c000300013645"
    "5337203331352d32454831342d3041423020000100000000000636455337203331352d32454831342d304142"
    "30200001000000000007202020202020202020202020202020202020202000c356030206"
)


def test_recorded_answers_parse() -> None:
    device = bacnet.parse(BACNET_ACK, 9)
    assert device.instance == 1234
    assert device.properties["firmware"] == "2.4.1"
    assert "description" not in device.properties  # answered with an error for that property
    records = s7._szl_records(S7_SZL[4:])
    assert [r[:2] for r in records] == [b"\x00\x01", b"\x00\x06", b"\x00\x07"]


def test_truncated_and_flipped_answers_end_in_an_outcome() -> None:
    for cut in range(len(BACNET_ACK)):
        for data in (BACNET_ACK[:cut], BACNET_ACK[:cut] + b"\xff" + BACNET_ACK[cut + 1 :]):
            with contextlib.suppress(*OUTCOMES):
                bacnet.parse(data, 9)
    for cut in range(len(S7_SZL)):
        for data in (S7_SZL[4:cut], S7_SZL[4:cut] + b"\xff" + S7_SZL[cut + 1 :]):
            with contextlib.suppress(ValueError):
                s7._szl_records(data)


# A real S7 answer prefix (TPKT + COTP CC) and real OPC UA ACK, mutated by hypothesis after.
COTP_CC = bytes.fromhex("0300001611d00001000100c0010ac1020100c2020102")
ACK = b"ACKF" + struct.pack("<I", 28) + struct.pack("<IIIII", 0, 65536, 65536, 65536, 1)


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300))
def test_connection_clients_end_in_an_outcome(tail: bytes) -> None:
    cases = (
        (COTP_CC + tail, lambda c: s7.identify(c, _declare, "192.0.2.1")),
        (b"\x68\x04\x0b\x00\x00\x00" + tail,
         lambda c: iec104.interrogate(c, _declare, "192.0.2.1", 1, 0.2)),
        (tail, lambda c: enip.list_identity(c, _declare, "192.0.2.1")),
        (ACK + tail, lambda c: opcua.Channel(c, _declare, "192.0.2.1", "opc.tcp://x/").open()),
        (tail, lambda c: dnp3.probe(c, _declare, "192.0.2.1", (1,))),
    )  # fmt: skip
    for answer, run in cases:
        with answering(answer, seconds=3.0) as peer:
            try:
                run(peer.conn)
            except (*OUTCOMES, ValueError, TimeoutError, ConnectionError):
                pass
