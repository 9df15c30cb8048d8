"""FTP accepts a default or weak password for a local account (intrusive, credential test).

FTP sends the password in clear text, and a server that lets a local account in with a default
or common password hands out that account's files (often the web root or the backups). On each
service discovery names ``ftp`` the check logs in (``USER``/``PASS``) with the built-in short
list and the campaign's lists, keeping to the run's credential-test policy (see
docs/credentials.md): logins per account per host per run counted together with SSH and telnet
(the host's own accounts), a pause between logins, at most ``per_connection`` logins per
connection (vsftpd closes after ``max_login_fails``, 3 by default: the check then reconnects),
and a stop at the first login accepted, after which it sends ``QUIT``. Anonymous login is
``net.ftp-anonymous``'s, not tried here. A server that refuses ``USER`` itself (TLS required
first) is not applicable.

Sample evidence::

    ftp login accepted for account 'user': its password is on the weak and default password
    list (c******* (8 characters)); 7 logins tried by this check
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.creds._policy import Guess, candidates, found, guess_logins
from checks.protocols.ftp import greeting, read_reply, show
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
)


class _FtpLogins:
    """USER/PASS logins on one FTP control connection."""

    def __init__(self, ctx: CheckContext, target: ServiceTarget) -> None:
        self._conn: Connection = ctx.connect(
            target.address, target.service.port, read_limit=1 << 20
        )
        self._open = True
        try:
            greeting(self._conn, ctx)
        except BaseException:
            self._conn.close()
            raise

    @property
    def alive(self) -> bool:
        return self._open

    def takes(self, guess: Guess) -> bool:
        return True

    def try_login(self, guess: Guess) -> bool:
        self._conn.send(f"USER {guess.account}\r\n".encode())
        code, reply = read_reply(self._conn)
        if code == 230:  # no password asked: accepted as it is
            self._conn.send(b"QUIT\r\n")
            return True
        if code != 331:
            if 500 <= code < 600:
                raise NotApplicable(f"the server refuses USER before any password: {show(reply)!r}")
            raise Inconclusive(f"USER answered {show(reply)!r}")
        self._conn.send(f"PASS {guess.password}\r\n".encode())
        try:
            code, reply = read_reply(self._conn)
        except Inconclusive:
            self._open = False  # refused and closed
            return False
        if code == 230:
            self._conn.send(b"QUIT\r\n")
            return True
        if code == 530 or 500 <= code < 600:
            return False
        raise Inconclusive(f"PASS answered {show(reply)!r}")

    def close(self) -> None:
        self._conn.close()


class FtpWeakPassword(Check):
    id = "cred.ftp-weak-password"
    title = "FTP accepts a default or weak password"
    family = "creds"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("ftp",))
    intrusive = True
    credentials = True
    references = ("CWE-1392", "CWE-521", "MLPS-8.1.4.2", "CSL-21")
    remediation = (
        "Change the account's password to a long unique one (or remove FTP access for it), "
        "replace FTP with SFTP or FTPS, and lock out repeated failures (max_login_fails, "
        "pam_faillock, fail2ban)."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        outcome = guess_logins(
            ctx, target, "ftp", candidates(ctx, "ftp"), lambda: _FtpLogins(ctx, target)
        )
        yield from found(self, target, "ftp", outcome)
