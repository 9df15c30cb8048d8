"""checks.protocols.snmp against a GetResponse recorded from the lab's net-snmp, and hostile
replies."""

from __future__ import annotations

import pytest

from checks.protocols import ber, snmp
from scanner.api import Inconclusive, NotApplicable
from tests.checks.protocols import recorded


def test_get_request_decodes_as_sent() -> None:
    request = snmp.get_request("public", 0x2A2A)
    _, message, _ = ber.read(request)
    _, version, pos = ber.read(message)
    _, community, pos = ber.read(message, pos)
    tag, pdu, _ = ber.read(message, pos)
    assert (version, community, tag) == (b"\x01", b"public", snmp.GET_REQUEST)
    assert ber.oid(snmp.SYSDESCR) in pdu


def test_recorded_get_response() -> None:
    tag, value = snmp.response_value(recorded.SNMP_GET_RESPONSE, 0x2A2A)
    assert tag == ber.OCTET_STRING and value.startswith(b"Linux ")


def test_a_response_to_another_request_is_inconclusive() -> None:
    with pytest.raises(Inconclusive, match="not our GetResponse"):
        snmp.response_value(recorded.SNMP_GET_RESPONSE, 1)


@pytest.mark.parametrize(
    "reply",
    [
        b"",
        b"\x04\x02ab",  # not a SEQUENCE
        recorded.SNMP_GET_RESPONSE[:40],  # truncated
        b"\x30\x84\x7f\xff\xff\xff" + b"\x00" * 10,  # absurd length
    ],
)
def test_hostile_replies_are_not_snmp(reply: bytes) -> None:
    with pytest.raises(NotApplicable):
        snmp.response_value(reply, 0x2A2A)
