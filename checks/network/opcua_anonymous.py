"""OPC UA server accepts an anonymous session.

An OPC UA server that activates a session for an anonymous identity token lets anyone who
reaches it browse the address space, read process values and, wherever the server's access
control allows anonymous writes or method calls, operate the plant. The check reads the
endpoints of each service discovery names ``opcua`` or ``opcua-tcp`` over a channel with policy
None; if an endpoint with mode None offers an anonymous token it creates a session, activates it
with that token and, when that is accepted, reads the server's build information (manufacturer,
product, software version) once and closes the session. An accepted anonymous session is a
finding, critical on the internet and high elsewhere, with the build information in the
evidence and in ``detail["device"]``. No anonymous token offered, or the activation refused, is
a pass. The requests are declared below and listed in docs/ot-safety.md; the check never
writes, calls a method or subscribes.

Sample evidence::

    OPC UA server accepted an anonymous session (policy id 'anonymous'):
    vendor='Inspection Lab', product='LAB-OPCUA-1', version='1.4.2'
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.network._ot import describe, exposed_severity
from checks.network._ot_read import opcua_device, opcua_session
from checks.protocols import opcua
from scanner.api import AppliesTo, Check, CheckContext, Finding, ServiceTarget, Severity


class OpcuaAnonymous(Check):
    id = "net.opcua-anonymous"
    title = "OPC UA server accepts anonymous sessions"
    family = "network"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("opcua", "opcua-tcp"))
    references = ("CWE-306", "MLPS-8.5.3.1", "CSL-31")
    requests = opcua.REQUESTS_ANONYMOUS
    remediation = (
        "Disable the anonymous user token policy on every endpoint: require user names with "
        "strong passwords or client certificates, map users to roles with least privilege, and "
        "allow port 4840 only from the clients that need it."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        session = opcua_session(target, ctx)
        if session.info is None:  # no anonymous token offered, or the activation refused
            return
        record = opcua_device(session.info)
        evidence = (
            f"OPC UA server accepted an anonymous session (policy id {session.policy!r}): "
            + describe(record)
        )
        detail = {"device": record, "build_info": session.info}
        yield self.finding(target, evidence, severity=exposed_severity(target), detail=detail)
