"""Redis protected by a default or well-known password (intrusive).

A ``requirepass`` copied from a tutorial or a sample configuration (``foobared`` is the one in
Redis's own ``redis.conf``) protects nothing: it is the first thing anyone tries. The check sends
``PING`` on each service discovery names ``redis``; only when the server answers ``-NOAUTH``
(a password is required) does it try ``AUTH`` with each password of a short list, on the same
connection, and stops at the first one accepted. It never sends any other command: nothing is
read or written. The finding names the password that worked, masked (``fo*****``); the
password itself is not stored.

The list is the ``passwords`` setting (default: ``foobared``, ``redis``, ``password``,
``123456``, ``admin``; at most 50 are tried). A Redis that needs no password at all is not
applicable here (that is ``net.redis-no-auth``), and so is a port that does not speak Redis.

This check is **intrusive**: failed ``AUTH`` attempts are logged by the server and may trip
monitoring or rate limits. The engine skips it unless the inventory lists
``net.redis-default-password`` under ``checks.intrusive``.

Sample evidence::

    AUTH accepted the well-known password 'fo*****' (password 1 of 5 tried); the server had
    answered PING with -NOAUTH
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.protocols import redis
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

DEFAULT_PASSWORDS = ("foobared", "redis", "password", "123456", "admin")
MAX_PASSWORDS = 50


def mask(password: str) -> str:
    """The first one or two characters and five stars, whatever the length: enough for the
    owner to recognise it, not enough to use it (nor to learn its length)."""
    keep = 2 if len(password) > 4 else 1
    return password[:keep] + "*****"


def password_list(value: object) -> list[str]:
    """The ``passwords`` setting as a list of strings (a single string is one password)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(p, str) for p in value):
        raise Inconclusive("the passwords setting must be a list of strings")
    return [p for p in value if p][:MAX_PASSWORDS]


class RedisDefaultPassword(Check):
    id = "net.redis-default-password"
    title = "Redis accepts a default or well-known password"
    family = "network"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("redis",))
    intrusive = True
    references = ("CWE-1392", "CWE-521", "MLPS-8.1.4.2b", "CSL-21")
    remediation = (
        "Set a long random requirepass (or ACL users with strong passwords), rotate it on every "
        "client, bind Redis to the addresses of its clients only, and firewall its port from "
        "untrusted networks."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        passwords = password_list(ctx.setting("passwords", list(DEFAULT_PASSWORDS)))
        with ctx.connect(target.address, target.service.port, read_limit=65536) as conn:
            conn.send(redis.PING)
            reply = redis.reply_line(conn)
            if reply.startswith(b"+PONG") or reply.startswith(b"-DENIED"):
                raise NotApplicable(
                    "Redis requires no password (PING answered "
                    f"{one_line(reply.strip(), 60)!r}; see net.redis-no-auth)"
                )
            if not reply.startswith(b"-NOAUTH"):
                raise NotApplicable(f"the service does not answer like Redis: {one_line(reply)!r}")
            for tried, password in enumerate(passwords, 1):
                conn.send(redis.command("AUTH", password))
                answer = redis.reply_line(conn)
                if answer.startswith(b"+OK"):
                    evidence = (
                        f"AUTH accepted the well-known password {mask(password)!r} (password "
                        f"{tried} of {len(passwords)} tried); the server had answered PING with "
                        "-NOAUTH"
                    )
                    yield self.finding(
                        target, evidence, detail={"masked": mask(password), "tried": tried}
                    )
                    return
                if not answer.startswith((b"-WRONGPASS", b"-ERR invalid password")):
                    raise Inconclusive(f"AUTH answered {one_line(answer.strip(), 120)!r}")
