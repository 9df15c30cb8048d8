"""OPC UA server offers an endpoint with security mode None.

OPC UA secures a session with signed and encrypted messages (modes Sign and SignAndEncrypt);
an endpoint with mode None sends everything, credentials included, in clear and lets anyone
tamper with reads and writes on the way. The check opens a secure channel with policy None to
each service discovery names ``opcua`` or ``opcua-tcp`` and asks GetEndpoints (both allowed
without a session by the standard), then closes the channel. A server that opens the channel
or lists an endpoint with mode None is a finding, critical on the internet and high
elsewhere; the evidence lists the endpoints, their modes and user token types, and the
server's application description (name, application and product URI) goes into
``detail["device"]``. The requests are declared below and listed in docs/ot-safety.md; the
check never creates a session.

Sample evidence::

    OPC UA server 'Lab OPC UA server' (urn:lab:opcua:server) offers security mode None:
    opc.tcp://127.0.10.30:4840/lab/ None (identities: anonymous)
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.network._ot import device, exposed_severity
from checks.protocols import opcua
from scanner.api import AppliesTo, Check, CheckContext, Finding, ServiceTarget, Severity


def endpoints(target: ServiceTarget, ctx: CheckContext) -> list[opcua.Endpoint]:
    """The server's endpoints, read over a channel with security policy None."""
    url = f"opc.tcp://{target.address}:{target.service.port}/"
    with ctx.connect(target.address, target.service.port, timeout=5.0, read_limit=1 << 18) as c:
        channel = opcua.Channel(c, ctx.request, target.address, url)
        channel.open()
        found = channel.endpoints()
        channel.close()
    return found


class OpcuaExposed(Check):
    id = "net.opcua-exposed"
    title = "OPC UA server offers an endpoint without security (mode None)"
    family = "network"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("opcua", "opcua-tcp"))
    references = ("CWE-319", "CWE-306", "MLPS-8.5.3.1", "CSL-31")
    requests = opcua.REQUESTS_EXPOSED
    remediation = (
        "Remove the endpoints with security mode None (and the deprecated Basic128Rsa15 and "
        "Basic256 policies): offer only Sign or SignAndEncrypt with Basic256Sha256 or newer, "
        "trust client certificates explicitly, and allow port 4840 only from the clients that "
        "need it."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        found = endpoints(target, ctx)
        plain = [e for e in found if e.mode == "None"]
        first = (plain or found)[0] if found else None
        name = first.application_name if first else ""
        uri = first.application_uri if first else ""
        record = device(
            "opcua",
            product=name,
            application_uri=uri,
            product_uri=first.product_uri if first else "",
        )
        listed = "; ".join(
            f"{e.url} {e.mode} (identities: {', '.join(t for t, _ in e.tokens) or 'none'})"
            for e in (plain or found)[:8]
        )
        evidence = (
            f"OPC UA server {name!r} ({uri}) "
            + ("offers security mode None: " if plain else "opened a channel with policy None: ")
            + (listed or "no endpoints listed")
        )
        detail = {
            "device": record,
            "endpoints": [
                {
                    "url": e.url,
                    "mode": e.mode,
                    "policy": e.policy,
                    "tokens": [t for t, _ in e.tokens],
                }
                for e in found[:16]
            ],
        }
        yield self.finding(target, evidence, severity=exposed_severity(target), detail=detail)
