"""SNMP agent answers a guessable community string beyond public and private (intrusive,
credential test).

A community is SNMP v1/v2c's only password, sent in clear text; ``monitor``, ``community`` or
``cisco`` are guessed as quickly as ``public`` (which ``net.snmp-default-community`` checks).
On each UDP service discovery names ``snmp`` the check sends one SNMPv2c ``GetRequest`` for
``sysDescr.0`` per community of the built-in short list and the campaign's lists (their
``:word`` lines; see docs/credentials.md), with the run's pause between requests, and stops at
the first community answered with a ``GetResponse``. It never sends a ``SetRequest``. Each
community is budgeted as an account of its own and recorded on the run as ``community`` (a
community is never stored). An agent that stays silent for every community is a pass.

Sample evidence::

    snmp community accepted: it is on the weak and default password list (m****** (7
    characters)); sysDescr.0 'Linux lab 6.1.0 ...'; 3 communities tried by this check
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

from checks.creds._policy import community_candidates, masked
from checks.protocols.snmp import get_request, response_value
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

WAIT = 1.0


class SnmpWeakCommunity(Check):
    id = "cred.snmp-weak-community"
    title = "SNMP agent answers a guessable community string"
    family = "creds"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("snmp",))
    intrusive = True
    credentials = True
    references = ("CWE-1392", "CWE-521", "MLPS-8.1.4.2", "CSL-21")
    remediation = (
        "Replace the community with SNMPv3 authPriv users, or at least a long random read-only "
        "community restricted to the management stations, and firewall UDP port 161."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        address, port = target.address, target.service.port
        tried = 0
        budget_left = False
        communities = community_candidates(ctx)
        if not communities:
            raise NotApplicable("no community to try beyond public and private (the lists)")
        for index, community in enumerate(communities):
            if not ctx.credential_try(address, port, "snmp", f"#{index}", shown="community"):
                continue
            budget_left = True
            tried += 1
            ctx.keep_secret(community)  # the evidence of this attempt shows it masked
            request_id = secrets.randbelow(2**31 - 1)
            try:
                reply = ctx.udp_exchange(
                    address, port, get_request(community, request_id), timeout=WAIT
                )
            except TimeoutError:
                ctx.remaining()  # the deadline passing is not silence: let it raise
                continue
            except ConnectionRefusedError:
                raise NotApplicable("ICMP port unreachable: no SNMP agent on this port") from None
            tag, value = response_value(reply, request_id)
            descr = value.decode("utf-8", "replace") if tag == 0x04 else ""
            evidence = (
                "snmp community accepted: it is on the weak and default password list "
                f"({masked(community)}); sysDescr.0 {one_line(descr, 120) or 'not readable'!r}; "
                f"{tried} communit{'ies' if tried != 1 else 'y'} tried by this check"
            )
            yield self.finding(
                target,
                evidence,
                detail={"community_masked": masked(community), "communities_tried": tried},
            )
            return
        if not budget_left:
            raise Inconclusive("the run's credential budget for this agent was used up")
