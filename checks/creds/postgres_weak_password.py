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

from checks.creds._policy import OneLogin, candidates, found, guess_logins
from checks.protocols.postgres import password_login
from scanner.api import AppliesTo, Check, CheckContext, Finding, ServiceTarget, Severity


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
            lambda: OneLogin(ctx, target, password_login),
            per_connection=1,
        )
        yield from found(self, target, "postgresql", outcome)
