"""Redis answers without authentication.

An unauthenticated Redis lets anyone who reaches it read and overwrite every key, and is a
well-known route to code execution (writing SSH keys or cron files through ``CONFIG SET``). The
check sends ``PING`` on each service discovery names ``redis`` and reports when it is answered
``+PONG`` without ``AUTH``; it then reads ``INFO server`` for the version as evidence (a server
with ``INFO`` renamed away still fails, its evidence saying "INFO not readable"). Nothing is
written. A ``-NOAUTH`` answer, or protected mode refusing the connection, is a pass.

Sample evidence::

    PING answered +PONG without AUTH; redis_version:7.0.15, mode standalone
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.protocols import redis
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

FIELDS = re.compile(rb"^(redis_version|redis_mode|os):(.{0,80})\r?$", re.MULTILINE)


class RedisNoAuth(Check):
    id = "net.redis-no-auth"
    title = "Redis accepts commands without authentication"
    family = "network"
    severity = Severity.CRITICAL
    applies_to = AppliesTo(services=("redis",))
    references = ("CWE-306", "MLPS-8.1.4.1a", "CSL-21")
    remediation = (
        "Require authentication (requirepass, or ACL users with passwords), bind Redis to the "
        "addresses of its clients only, keep protected-mode on, and firewall port 6379 from "
        "untrusted networks."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        with ctx.connect(target.address, target.service.port, read_limit=262144) as conn:
            conn.send(redis.PING)
            reply = redis.reply_line(conn)
            if not reply.startswith(b"+PONG"):
                if reply.startswith((b"-NOAUTH", b"-DENIED", b"-ERR")):
                    return  # authentication required, or protected mode refuses us: a pass
                raise NotApplicable(f"the service does not answer like Redis: {one_line(reply)!r}")
            conn.send(redis.INFO_SERVER)
            info = redis.bulk_reply(conn)
        facts = {k.decode(): v.decode("utf-8", "replace").strip() for k, v in FIELDS.findall(info)}
        version = ", ".join(f"{k}:{v}" for k, v in facts.items()) or "INFO not readable"
        yield self.finding(target, f"PING answered +PONG without AUTH; {version}", detail=facts)
