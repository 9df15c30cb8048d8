"""MySQL or MariaDB accepts a default or weak password (intrusive, credential test).

A database account with a default or common password gives whoever reaches the port the data
and, with the FILE privilege, files of the server. On each service discovery names ``mysql``
the check logs in with the built-in short list and the campaign's lists (see
docs/credentials.md), one login per connection, keeping to the run's credential-test policy:
at most ``max_attempts`` logins per account per server per run, a pause between logins, a stop
at the first login accepted. It speaks ``mysql_native_password`` (also after an authentication
switch to it), sends ``COM_QUIT`` as soon as a login is accepted, and runs no query. A server
that refuses the scanner's host before any login, or asks for another method, is inconclusive.

Sample evidence::

    mysql login accepted for account 'admin': its password is on the weak and default password
    list (c******* (8 characters)); 5 logins tried by this check
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.creds._policy import OneLogin, candidates, found, guess_logins
from checks.protocols.mysql import password_login
from scanner.api import AppliesTo, Check, CheckContext, Finding, ServiceTarget, Severity


class MysqlWeakPassword(Check):
    id = "cred.mysql-weak-password"
    title = "MySQL or MariaDB accepts a default or weak password"
    family = "creds"
    severity = Severity.CRITICAL
    applies_to = AppliesTo(services=("mysql",))
    intrusive = True
    credentials = True
    references = ("CWE-1392", "CWE-521", "MLPS-8.1.4.2", "CSL-21")
    remediation = (
        "Give the account a long unique password (ALTER USER ... IDENTIFIED BY), remove "
        "accounts that may log in from any host ('%'), bind the server to the application's "
        "network and keep the port off untrusted networks."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        outcome = guess_logins(
            ctx,
            target,
            "mysql",
            candidates(ctx, "mysql"),
            lambda: OneLogin(ctx, target, password_login),
            per_connection=1,
        )
        yield from found(self, target, "mysql", outcome)
