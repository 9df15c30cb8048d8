"""Redis answers without authentication.

An unauthenticated Redis lets anyone who reaches it read and overwrite every key, and is a
well-known route to code execution (writing SSH keys or cron files through ``CONFIG SET``). The
check sends ``PING`` on each service discovery names ``redis`` and reports when it is answered
``+PONG`` without ``AUTH``; it then reads ``INFO server`` for the version as evidence. Nothing is
written. A ``-NOAUTH`` answer, or protected mode refusing the connection, is a pass.

Sample evidence::

    PING answered +PONG without AUTH; redis_version:7.0.15, mode standalone
"""

from __future__ import annotations

import re
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

PING = b"*1\r\n$4\r\nPING\r\n"
INFO = b"*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"
FIELDS = re.compile(rb"^(redis_version|redis_mode|os):(.{0,80})\r?$", re.MULTILINE)


class RedisNoAuth(Check):
    id = "net.redis-no-auth"
    title = "Redis accepts commands without authentication"
    family = "network"
    severity = Severity.CRITICAL
    applies_to = AppliesTo(services=("redis",))
    references = ("CWE-306", "MLPS-8.1.4.1", "CSL-21")
    remediation = (
        "Require authentication (requirepass, or ACL users with passwords), bind Redis to the "
        "addresses of its clients only, keep protected-mode on, and firewall port 6379 from "
        "untrusted networks."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        with ctx.connect(target.address, target.service.port, read_limit=262144) as conn:
            conn.send(PING)
            reply = conn.recv_until(b"\r\n", max_bytes=512)
            if not reply.startswith(b"+PONG"):
                if reply.startswith((b"-NOAUTH", b"-DENIED", b"-ERR")):
                    return  # authentication required, or protected mode refuses us: a pass
                if not reply:
                    raise Inconclusive("the service closed the connection without a reply")
                raise NotApplicable(f"the service does not answer like Redis: {one_line(reply)!r}")
            conn.send(INFO)
            info = conn.recv_until(b"\r\n\r\n", max_bytes=16384)
        facts = {k.decode(): v.decode("utf-8", "replace").strip() for k, v in FIELDS.findall(info)}
        version = ", ".join(f"{k}:{v}" for k, v in facts.items()) or "INFO not readable"
        yield self.finding(target, f"PING answered +PONG without AUTH; {version}", detail=facts)
