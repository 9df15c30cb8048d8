"""SSH accepts a default or weak password (intrusive, credential test).

A device or server still using its vendor's default password (``pi``/``raspberry``,
``root``/``root``) or one of the most common passwords is the first thing an attacker tries, and
an SSH login is a shell. On each service discovery names ``ssh`` the check logs in with the
built-in short list and the campaign's own lists (see docs/credentials.md), keeping to the run's
credential-test policy: at most ``max_attempts`` logins per account per host per run (counted
with FTP and telnet logins to the same accounts), ``pause`` seconds between logins, at most
``per_connection`` logins per connection, all for one account (OpenSSH disconnects a client
that changes its user name), a new connection when the server closes one, and a stop at the
first login accepted. Nothing is run after a login: the session is closed at once.
A server that offers no password login (asked with the ``none`` method first, on a
connection of its own: no password is sent to it) is not applicable.

The finding's location is the account; the password is never stored or shown, only masked
(first character and length). The logins sent are counted on the run and listed on the notice.

Sample evidence::

    ssh login accepted for account 'pi': its password is on the weak and default password list
    (r******** (9 characters)); 4 logins tried by this check
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.creds._policy import Guess, candidates, found, guess_logins
from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Finding,
    NotApplicable,
    ServiceTarget,
    Severity,
    SshPasswordProbe,
)

#: The user name the allowed methods are asked for (``none``, which OpenSSH does not count).
PROBE_USER = "scanner-probe"


class _SshLogins:
    """Password logins on one SSH connection."""

    def __init__(self, ctx: CheckContext, target: ServiceTarget) -> None:
        conn = ctx.connect(target.address, target.service.port, read_limit=4 << 20)
        try:
            self._probe = SshPasswordProbe(conn)
        except BaseException:
            conn.close()
            raise
        self._account: str | None = None

    @property
    def alive(self) -> bool:
        return self._probe.alive

    def methods(self, account: str) -> tuple[str, ...] | None:
        return self._probe.methods(account)

    def takes(self, guess: Guess) -> bool:
        return self._account in (None, guess.account)  # OpenSSH: one user name per connection

    def try_login(self, guess: Guess) -> bool:
        self._account = guess.account
        return self._probe.try_password(guess.account, guess.password)

    def close(self) -> None:
        self._probe.close()


class SshWeakPassword(Check):
    id = "cred.ssh-weak-password"
    title = "SSH accepts a default or weak password"
    family = "creds"
    severity = Severity.CRITICAL
    applies_to = AppliesTo(services=("ssh",))
    intrusive = True
    credentials = True
    references = ("CWE-1392", "CWE-521", "MLPS-8.1.4.2", "CSL-21")
    remediation = (
        "Change the account's password to a long unique one (or lock it), disable password "
        "logins in sshd (PasswordAuthentication no, keys only), and rate-limit or lock out "
        "repeated failures (pam_faillock, fail2ban)."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        probe = _SshLogins(ctx, target)
        try:  # which methods the server offers, before any password is sent
            offered = probe.methods(PROBE_USER)
        finally:
            probe.close()
        if offered is None:
            raise NotApplicable("the server lets clients in without authentication")
        if "password" not in offered:
            raise NotApplicable(
                f"the server does not offer password logins (allowed: {', '.join(offered)})"
            )
        outcome = guess_logins(
            ctx, target, "ssh", candidates(ctx, "ssh"), lambda: _SshLogins(ctx, target)
        )
        yield from found(self, target, "ssh", outcome)
