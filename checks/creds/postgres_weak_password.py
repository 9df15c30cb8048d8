"""PostgreSQL accepts a default or weak password (intrusive, credential test).

A database role with a default or common password (``postgres``/``postgres``) gives whoever
reaches the port the data, and a superuser also the server's operating-system account (``COPY
... PROGRAM``). On each service discovery names ``postgresql`` the check logs in with the
built-in short list and the campaign's lists (see docs/credentials.md), one login per
connection (the protocol allows no more), keeping to the run's credential-test policy: at most
``max_attempts`` logins per role per server per run, a pause between logins, a stop at the first
login accepted. It speaks clear-text, MD5 and SCRAM-SHA-256 password authentication, sends
``Terminate`` as soon as a login is accepted, and runs no query.

Sample evidence::

    postgresql login accepted for account 'postgres': its password is on the weak and default
    password list (c******* (8 characters)); 3 logins tried by this check
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.creds._policy import Guess, candidates, detail, evidence, guess_logins
from checks.protocols.postgres import password_login
from scanner.api import AppliesTo, Check, CheckContext, Finding, ServiceTarget, Severity


class _PgLogin:
    """One login on one connection (PostgreSQL's StartupMessage comes once)."""

    def __init__(self, ctx: CheckContext, target: ServiceTarget) -> None:
        self._conn = ctx.connect(target.address, target.service.port, read_limit=1 << 20)
        self._used = False

    @property
    def alive(self) -> bool:
        return not self._used

    def takes(self, guess: Guess) -> bool:
        return True

    def try_login(self, guess: Guess) -> bool:
        self._used = True
        return password_login(self._conn, guess.account, guess.password)

    def close(self) -> None:
        self._conn.close()


class PostgresWeakPassword(Check):
    id = "cred.postgres-weak-password"
    title = "PostgreSQL accepts a default or weak password"
    family = "creds"
    severity = Severity.CRITICAL
    applies_to = AppliesTo(services=("postgresql",))
    intrusive = True
    credentials = True
    references = ("CWE-1392", "CWE-521", "MLPS-8.1.4.2", "CSL-21")
    remediation = (
        "Give the role a long unique password (ALTER ROLE ... PASSWORD), restrict pg_hba.conf "
        "to the application's addresses with scram-sha-256, and keep the port off untrusted "
        "networks."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        outcome = guess_logins(
            ctx,
            target,
            "postgresql",
            candidates(ctx, "postgresql"),
            lambda: _PgLogin(ctx, target),
            per_connection=1,
        )
        if outcome.accepted is not None:
            yield self.finding(
                target,
                evidence("postgresql", outcome, outcome.accepted),
                location=f"{target.location} account {outcome.accepted.account}",
                detail=detail(outcome, outcome.accepted),
            )
