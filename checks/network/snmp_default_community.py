"""SNMP agent answers a default community string.

SNMP v1/v2c authenticates a request by its community string alone, sent in clear text. An agent
that answers ``public`` or ``private`` gives anyone who reaches it the device's configuration,
interfaces, routes and often running processes, and a read-write ``private`` lets them change
it. The check sends one SNMPv2c ``GetRequest`` for ``sysDescr.0`` per community (setting
``communities``, default ``["public", "private"]``) to each UDP service discovery names ``snmp``,
and reports, in one finding, every community the agent answered with a ``GetResponse``. It never
sends a ``SetRequest``. An agent that stays silent for every community is a pass: that is what a
non-default community looks like. A reply that is not SNMP is not applicable.

Sample evidence::

    communities answered: public, private; sysDescr.0: 'Linux vm 6.1.0-18-amd64 #1 SMP ...'
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Finding,
    Inconclusive,
    NotApplicable,
    ServiceTarget,
    Severity,
    one_line,
)

SYSDESCR = "1.3.6.1.2.1.1.1.0"
GET_REQUEST, GET_RESPONSE = 0xA0, 0xA2
EXCEPTIONS = (0x80, 0x81, 0x82)  # noSuchObject, noSuchInstance, endOfMibView
WAIT = 2.0


def tlv(tag: int, payload: bytes) -> bytes:
    """One BER tag-length-value."""
    n = len(payload)
    if n < 0x80:
        return bytes([tag, n]) + payload
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + payload


def integer(value: int) -> bytes:
    """A BER INTEGER."""
    return tlv(0x02, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def oid(dotted: str) -> bytes:
    """A BER OBJECT IDENTIFIER."""
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray([40 * parts[0] + parts[1]])
    for part in parts[2:]:
        chunk, rest = [part & 0x7F], part >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        out.extend(reversed(chunk))
    return tlv(0x06, bytes(out))


def get_request(community: str, request_id: int) -> bytes:
    """An SNMPv2c GetRequest for sysDescr.0."""
    varbinds = tlv(0x30, tlv(0x30, oid(SYSDESCR) + b"\x05\x00"))
    pdu = tlv(GET_REQUEST, integer(request_id) + integer(0) + integer(0) + varbinds)
    return tlv(0x30, integer(1) + tlv(0x04, community.encode()) + pdu)


def read(data: bytes, pos: int = 0) -> tuple[int, bytes, int]:
    """(tag, value, next position) of the TLV at ``pos``; NotApplicable when it is not BER."""
    if pos + 2 > len(data):
        raise NotApplicable("the reply is not SNMP (truncated BER)")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    length = first
    if first & 0x80:
        size = first & 0x7F
        if not 0 < size <= 4:
            raise NotApplicable("the reply is not SNMP (bad BER length)")
        length = int.from_bytes(data[pos : pos + size], "big")
        pos += size
    if pos + length > len(data):
        raise NotApplicable("the reply is not SNMP (truncated BER)")
    return tag, data[pos : pos + length], pos + length


def response_value(reply: bytes, request_id: int) -> tuple[int, bytes]:
    """(value tag, value) of the GetResponse to ``request_id``."""
    tag, message, _ = read(reply)
    if tag != 0x30:
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


class SnmpDefaultCommunity(Check):
    id = "net.snmp-default-community"
    title = "SNMP agent answers a default community string"
    family = "network"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("snmp",))
    references = ("CWE-1392", "CWE-798", "MLPS-8.1.4.1", "CSL-21")
    remediation = (
        "Remove the public and private communities; use SNMPv3 with authPriv users, or at least "
        "a long random read-only community restricted to the management stations' addresses, "
        "and firewall UDP port 161 from untrusted networks."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        setting = ctx.setting("communities", ["public", "private"])
        communities: list[str] = [setting] if isinstance(setting, str) else list(setting)
        answered: list[str] = []
        descr = ""
        for community in communities:
            request_id = secrets.randbelow(2**31 - 1)
            payload = get_request(community, request_id)
            try:
                reply = ctx.udp_exchange(target.address, target.service.port, payload, timeout=WAIT)
            except TimeoutError:
                ctx.remaining()  # the deadline passing is not silence: let it raise
                continue  # silent: this community is not accepted
            except ConnectionRefusedError:
                raise NotApplicable("ICMP port unreachable: no SNMP agent on this port") from None
            value_tag, value = response_value(reply, request_id)
            answered.append(community)
            if not descr and value_tag == 0x04:
                descr = value.decode("utf-8", "replace")
        if not answered:
            return  # no default community answered: a pass
        evidence = (
            f"communities answered: {', '.join(answered)}; "
            f"sysDescr.0: {one_line(descr, 160) or 'not readable'!r}"
        )
        yield self.finding(
            target, evidence, detail={"communities": answered, "sysdescr": one_line(descr, 400)}
        )
