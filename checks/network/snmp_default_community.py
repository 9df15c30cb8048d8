"""SNMP agent answers a default community string.

SNMP v1/v2c authenticates a request by its community string alone, sent in clear text. An agent
that answers ``public`` or ``private`` gives anyone who reaches it the device's configuration,
interfaces, routes and often running processes, and a read-write ``private`` lets them change
it. The check sends one SNMPv2c ``GetRequest`` for ``sysDescr.0`` per community (setting
``communities``, default ``["public", "private"]``) to each UDP service discovery names ``snmp``,
and reports, in one finding, every community the agent answered with a ``GetResponse``. It never
sends a ``SetRequest``; the communities are asked side by side (one at a time on an ot asset).
An agent that stays silent for every community is a pass: that is what a
non-default community looks like. A reply that is not SNMP is not applicable.

Sample evidence::

    communities answered: public, private; sysDescr.0: 'Linux vm 6.1.0-18-amd64 #1 SMP ...'
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from checks.protocols.snmp import get_request, response_value
from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Finding,
    NotApplicable,
    ServiceTarget,
    Severity,
    one_line,
)

WAIT = 2.0


class SnmpDefaultCommunity(Check):
    id = "net.snmp-default-community"
    title = "SNMP agent answers a default community string"
    family = "network"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("snmp",))
    references = ("CWE-1392", "CWE-798", "MLPS-8.1.4.2b", "CSL-21")
    remediation = (
        "Remove the public and private communities; use SNMPv3 with authPriv users, or at least "
        "a long random read-only community restricted to the management stations' addresses, "
        "and firewall UDP port 161 from untrusted networks."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        setting = ctx.setting("communities", ["public", "private"])
        communities: list[str] = [setting] if isinstance(setting, str) else list(setting)
        # The communities are asked side by side (a silent one costs one wait, not one each),
        # except on an ot asset, which gets one request at a time.
        width = 1 if target.ot else max(1, len(communities))
        with ThreadPoolExecutor(max_workers=width, thread_name_prefix="snmp") as pool:
            replies = list(pool.map(lambda c: self._ask(target, ctx, c), communities))
        answered: list[str] = []
        descr = ""
        for community, got in zip(communities, replies, strict=True):
            if got is None:
                continue  # silent: this community is not accepted
            reply, request_id = got
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

    @staticmethod
    def _ask(target: ServiceTarget, ctx: CheckContext, community: str) -> tuple[bytes, int] | None:
        """The agent's reply to a GetRequest with ``community``, or None when it stays silent."""
        request_id = secrets.randbelow(2**31 - 1)
        payload = get_request(community, request_id)
        try:
            reply = ctx.udp_exchange(target.address, target.service.port, payload, timeout=WAIT)
        except TimeoutError:
            ctx.remaining()  # the deadline passing is not silence: let it raise
            return None
        except ConnectionRefusedError:
            raise NotApplicable("ICMP port unreachable: no SNMP agent on this port") from None
        return reply, request_id
