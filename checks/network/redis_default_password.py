"""Redis protected by a default or well-known password (intrusive, credential test).

A ``requirepass`` copied from a tutorial or a sample configuration (``foobared`` is the one in
Redis's own ``redis.conf``) protects nothing: it is the first thing anyone tries. The check sends
``PING`` on each service discovery names ``redis``; only when the server answers ``-NOAUTH``
(a password is required) does it try ``AUTH`` with each password of a short list, and stops at
the first one accepted. It never sends any other command: nothing is read or written. The
finding names the password that worked masked (first character and length, as every credential
check: see docs/credentials.md); the password itself is not stored.

The list is the ``passwords`` setting (default: ``foobared``, ``redis``, ``password``,
``123456``, ``admin``; at most 50), then the campaign's own lists' passwords. Every ``AUTH``
keeps to the run's credential-test policy (``checks.credentials``): at most ``max_attempts``
per server per run (Redis's ``default`` user), a pause between them, at most ``per_connection``
on one connection; each is counted on the run and listed on the notice. A Redis that needs no
password at all is not applicable here (that is ``net.redis-no-auth``), and so is a port that
does not speak Redis.

This check is **intrusive**: failed ``AUTH`` attempts are logged by the server and may trip
monitoring or rate limits. The engine skips it unless the inventory lists
``net.redis-default-password`` under ``checks.intrusive`` or sets
``checks.credentials.enabled``.

Sample evidence::

    AUTH accepted the well-known password 'f******* (8 characters)' (1 AUTH tried); the server
    had answered PING with -NOAUTH
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.creds._policy import Guess, guess_logins, masked
from checks.protocols import redis
from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Connection,
    Finding,
    Inconclusive,
    NotApplicable,
    ServiceTarget,
    Severity,
    one_line,
)

DEFAULT_PASSWORDS = ("foobared", "redis", "password", "123456", "admin")
MAX_PASSWORDS = 50
#: The account every AUTH without a user name logs in as (Redis 6 ACLs).
ACCOUNT = "default"


def password_list(value: object) -> list[str]:
    """The ``passwords`` setting as a list of strings (a single string is one password)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(p, str) for p in value):
        raise Inconclusive("the passwords setting must be a list of strings")
    return [p for p in value if p][:MAX_PASSWORDS]


def _require_password(conn: Connection) -> None:
    """PING: NotApplicable unless the server asks for a password first."""
    conn.send(redis.PING)
    reply = redis.reply_line(conn)
    if reply.startswith(b"+PONG") or reply.startswith(b"-DENIED"):
        raise NotApplicable(
            "Redis requires no password (PING answered "
            f"{one_line(reply.strip(), 60)!r}; see net.redis-no-auth)"
        )
    if not reply.startswith(b"-NOAUTH"):
        raise NotApplicable(f"the service does not answer like Redis: {one_line(reply)!r}")


class _RedisLogins:
    """AUTH commands on one connection, after its PING was answered -NOAUTH."""

    def __init__(self, ctx: CheckContext, target: ServiceTarget) -> None:
        self._conn = ctx.connect(target.address, target.service.port, read_limit=65536)
        try:
            _require_password(self._conn)
        except BaseException:
            self._conn.close()
            raise

    @property
    def alive(self) -> bool:
        return True

    def takes(self, guess: Guess) -> bool:
        return True

    def try_login(self, guess: Guess) -> bool:
        self._conn.send(redis.command("AUTH", guess.password))
        answer = redis.reply_line(self._conn)
        if answer.startswith(b"+OK"):
            return True
        if not answer.startswith((b"-WRONGPASS", b"-ERR invalid password")):
            raise Inconclusive(f"AUTH answered {one_line(answer.strip(), 120)!r}")
        return False

    def close(self) -> None:
        self._conn.close()


class RedisDefaultPassword(Check):
    id = "net.redis-default-password"
    title = "Redis accepts a default or well-known password"
    family = "network"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("redis",))
    intrusive = True
    credentials = True
    references = ("CWE-1392", "CWE-521", "MLPS-8.1.4.2b", "CSL-21")
    remediation = (
        "Set a long random requirepass (or ACL users with strong passwords), rotate it on every "
        "client, bind Redis to the addresses of its clients only, and firewall its port from "
        "untrusted networks."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        passwords = password_list(ctx.setting("passwords", list(DEFAULT_PASSWORDS)))
        passwords += [p for _a, p in ctx.credential_policy.entries]
        guesses = [Guess(ACCOUNT, p) for p in dict.fromkeys(passwords)]
        outcome = guess_logins(ctx, target, "redis", guesses, lambda: _RedisLogins(ctx, target))
        if outcome.accepted is None:
            return
        shown = masked(outcome.accepted.password)
        evidence = (
            f"AUTH accepted the well-known password {shown!r} ({outcome.tried} AUTH tried); "
            "the server had answered PING with -NOAUTH"
        )
        yield self.finding(target, evidence, detail={"masked": shown, "tried": outcome.tried})
