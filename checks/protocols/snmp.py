"""SNMPv2c: a GetRequest for one OID, and the value of the GetResponse that answers it.

Only GetRequest is ever built here (never a SetRequest). The answer is parsed with
:mod:`checks.protocols.ber`, every TLV bounded by its enclosing one: a reply that is not BER is
NotApplicable, a PDU that is not our GetResponse Inconclusive.
"""

from __future__ import annotations

from checks.protocols import ber
from scanner.api import Inconclusive, NotApplicable, one_line

SYSDESCR = "1.3.6.1.2.1.1.1.0"
GET_REQUEST, GET_RESPONSE = 0xA0, 0xA2
EXCEPTIONS = (0x80, 0x81, 0x82)  # noSuchObject, noSuchInstance, endOfMibView
VERSION_2C = 1


def get_request(community: str, request_id: int, oid: str = SYSDESCR) -> bytes:
    """An SNMPv2c GetRequest for ``oid``."""
    varbinds = ber.tlv(ber.SEQUENCE, ber.tlv(ber.SEQUENCE, ber.oid(oid) + b"\x05\x00"))
    pdu = ber.tlv(GET_REQUEST, ber.integer(request_id) + ber.integer(0) + ber.integer(0) + varbinds)
    message = ber.integer(VERSION_2C) + ber.tlv(ber.OCTET_STRING, community.encode()) + pdu
    return ber.tlv(ber.SEQUENCE, message)


def read(data: bytes, pos: int = 0) -> tuple[int, bytes, int]:
    """:func:`ber.read`, a malformed TLV being NotApplicable (the reply is not SNMP)."""
    try:
        return ber.read(data, pos)
    except ValueError as exc:
        raise NotApplicable(f"the reply is not SNMP ({exc})") from None


def response_value(reply: bytes, request_id: int) -> tuple[int, bytes]:
    """(value tag, value) of the first varbind of the GetResponse to ``request_id``."""
    tag, message, _ = read(reply)
    if tag != ber.SEQUENCE:
        raise NotApplicable(f"the reply is not SNMP: {one_line(reply[:40])!r}")
    pos = read(message)[2]  # version
    pos = read(message, pos)[2]  # community
    tag, pdu, _ = read(message, pos)
    _, rid, pos = read(pdu)
    if tag != GET_RESPONSE or int.from_bytes(rid, "big", signed=True) != request_id:
        raise Inconclusive(f"the agent answered with PDU 0x{tag:02x}, not our GetResponse")
    pos = read(pdu, pos)[2]  # error status: the community was accepted whatever it says
    pos = read(pdu, pos)[2]  # error index
    _, varbinds, _ = read(pdu, pos)
    _, varbind, _ = read(varbinds)
    _, _name, pos = read(varbind)
    value_tag, value, _ = read(varbind, pos)
    return value_tag, value
