"""Telnet accepts a default or weak password (intrusive, credential test).

Telnet sends the password in clear text, and devices that still offer it very often keep their
factory login (the lists botnets such as Mirai spread with: ``root``/``xc3511``,
``supervisor``/``zyad1234``...). On each service discovery names ``telnet`` the check answers
the ``login:`` and ``Password:`` prompts (refusing every telnet option) with the built-in short
list and the campaign's lists (see docs/credentials.md), keeping to the run's credential-test
policy: logins per account per host per run counted together with SSH and FTP (the host's own
accounts), a pause between logins, at most ``per_connection`` logins per connection (the server
prompts again after a refusal, or closes: the check then reconnects), and a stop at the first
login accepted, after which it closes the connection without typing anything. A login is
refused when the server says so (``Login incorrect``) or prompts for a login again; accepted when
it shows anything else after the password, or closes (a shell, a banner, ``This account is
currently not available``); silence is inconclusive. A service with no login prompt is not
applicable.

Sample evidence::

    telnet login accepted for account 'supervisor': its password is on the weak and default
    password list (z******* (8 characters)); 2 logins tried by this check
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.creds._policy import Guess, candidates, found, guess_logins
from checks.protocols.telnet import LOGIN_PROMPT, PASSWORD_PROMPT, REFUSED, TelnetText
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

ANSWER_WAIT = 8.0  # login(1) waits a few seconds before it refuses


class _TelnetLogins:
    """Logins at the prompts of one telnet connection."""

    def __init__(self, ctx: CheckContext, target: ServiceTarget) -> None:
        self._conn = ctx.connect(target.address, target.service.port, read_limit=1 << 20)
        self._text = TelnetText(self._conn)
        shown = self._text.read_until(LOGIN_PROMPT)
        if not LOGIN_PROMPT.search(shown.rstrip(b"\x00")):
            self._conn.close()
            raise NotApplicable(f"no login prompt: {one_line(shown[-120:])!r}")
        self._prompted = True

    @property
    def alive(self) -> bool:
        return self._prompted and not self._text.closed

    def takes(self, guess: Guess) -> bool:
        return True

    def try_login(self, guess: Guess) -> bool:
        self._prompted = False
        self._text.send_line(guess.account)
        shown = self._text.read_until(PASSWORD_PROMPT)
        if not PASSWORD_PROMPT.search(shown.rstrip(b"\x00")):
            raise Inconclusive(f"no password prompt after the login: {one_line(shown[-120:])!r}")
        self._text.send_line(guess.password)
        answer = self._text.read_until(REFUSED, LOGIN_PROMPT, wait=ANSWER_WAIT)
        if REFUSED.search(answer) or LOGIN_PROMPT.search(answer.rstrip(b"\x00")):
            if not LOGIN_PROMPT.search(answer.rstrip(b"\x00")):  # refused: a prompt may follow
                answer += self._text.read_until(LOGIN_PROMPT, wait=2.0)
            self._prompted = bool(LOGIN_PROMPT.search(answer.rstrip(b"\x00")))
            return False
        if not answer.strip(b"\r\n\x00 ") and not self._text.closed:
            raise Inconclusive(f"no answer to the password within {ANSWER_WAIT:.0f} s")
        return True

    def close(self) -> None:
        self._conn.close()


class TelnetWeakPassword(Check):
    id = "cred.telnet-weak-password"
    title = "Telnet accepts a default or weak password"
    family = "creds"
    severity = Severity.CRITICAL
    applies_to = AppliesTo(services=("telnet",))
    intrusive = True
    credentials = True
    references = ("CWE-1392", "CWE-521", "CWE-319", "MLPS-8.1.4.2", "CSL-21")
    remediation = (
        "Turn telnet off and use SSH with keys; until then change the account's password to a "
        "long unique one (or lock it) and lock out repeated failures (pam_faillock)."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        outcome = guess_logins(
            ctx, target, "telnet", candidates(ctx, "telnet"), lambda: _TelnetLogins(ctx, target)
        )
        yield from found(self, target, "telnet", outcome)
