"""checks.protocols.modbus against pymodbus's answer recorded in the lab, and hostile ones."""

from __future__ import annotations

import secrets
import struct

import pytest

from checks.protocols import modbus
from scanner.api import Inconclusive, NotApplicable
from tests.checks.protocols import recorded
from tests.checks.protocols.peer import answering


@pytest.fixture
def tid_0x1234(monkeypatch: pytest.MonkeyPatch) -> None:
    """The transaction id the recorded answer carries."""
    monkeypatch.setattr(secrets, "randbelow", lambda _n: 0x1233)


def test_recorded_device_identification(tid_0x1234: None) -> None:
    with answering(recorded.MODBUS_DEVICE_ID_ANSWER) as peer:
        pdu = modbus.exchange(peer.conn, 1, modbus.READ_DEVICE_ID, 1.0)
        sent = peer.sent()
    assert sent == struct.pack(">HHHB", 0x1234, 0, 5, 1) + modbus.READ_DEVICE_ID
    assert modbus.parse_device_id(pdu) == {
        "VendorName": "Inspection Lab",
        "ProductCode": "LAB-PLC-1",
        "MajorMinorRevision": "1.0",
    }


def test_only_read_function_codes_are_built() -> None:
    assert modbus.READ_DEVICE_ID[0] == 0x2B and modbus.READ_HOLDING[0] == 0x03


def test_truncated_object_list() -> None:
    pdu = recorded.MODBUS_DEVICE_ID_ANSWER[7:]
    with pytest.raises(ValueError, match="truncated"):
        modbus.parse_device_id(pdu[:7] + b"\x00")
    assert modbus.parse_device_id(pdu[:-2])["MajorMinorRevision"] == "1"  # cut value: kept short


@pytest.mark.parametrize(
    "data",
    [
        struct.pack(">HHHB", 0x9999, 0, 3, 1) + b"\x03\x02\x00",  # another transaction
        struct.pack(">HHHB", 0x1234, 0, 0xFFFF, 1) + b"\x03",  # absurd length
        struct.pack(">HHHB", 0x1234, 7, 3, 1) + b"\x03\x02\x00",  # another protocol id
        b"\x12\x34",
    ],
)
def test_hostile_answers_are_not_modbus(tid_0x1234: None, data: bytes) -> None:
    with answering(data) as peer, pytest.raises(NotApplicable):
        modbus.exchange(peer.conn, 1, modbus.READ_HOLDING, 1.0)


def test_silence_is_inconclusive(tid_0x1234: None) -> None:
    with answering(b"", close=False) as peer, pytest.raises(Inconclusive):
        modbus.exchange(peer.conn, 1, modbus.READ_HOLDING, 0.2)
