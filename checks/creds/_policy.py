"""What every credential check shares: the built-in short lists, the candidates a service gets,
the guessing loop that keeps to the run's policy, and masking.

The policy itself (how many logins per account, the pause, logins per connection, the
user-supplied lists) is the campaign's ``checks.credentials``; the engine counts every login for
the whole run (``ctx.credential_try``), so two checks reaching one host's accounts (SSH and FTP
both log in as the host's users) share one budget per account.

A password that works is never stored, printed or rendered: findings carry :func:`masked`
(the first character and the length), and the evidence says the account's password is on the
list. Nothing else of a candidate leaves the check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Final, Protocol

from scanner.api import (
    AddressedTarget,
    Check,
    CheckContext,
    Connection,
    Finding,
    Inconclusive,
    ServiceTarget,
)

#: The most common weak passwords (from public breach-corpus rankings), tried on each of a
#: service's usual accounts after its vendor defaults, as far as the per-account budget goes.
COMMON_PASSWORDS: Final = (
    "123456",
    "changeme",
    "password",
    "12345678",
    "qwerty",
    "admin",
    "letmein",
    "welcome",
    "P@ssw0rd",
    "111111",
)

#: Per service: vendor and distribution defaults, (account, password), tried first.
VENDOR_DEFAULTS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "ssh": (
        ("root", "root"),
        ("root", "toor"),
        ("admin", "admin"),
        ("pi", "raspberry"),
        ("ubnt", "ubnt"),
        ("cisco", "cisco"),
    ),
    "ftp": (("ftp", "ftp"), ("admin", "admin")),
    # devices' telnet defaults (the Mirai botnet's list: ZyXEL, Dahua, Xiongmai...)
    "telnet": (
        ("root", "root"),
        ("admin", "admin"),
        ("supervisor", "zyad1234"),
        ("support", "support"),
        ("root", "xc3511"),
        ("root", "vizxv"),
        ("admin", "1234"),
    ),
    "postgresql": (("postgres", "postgres"),),
    "mysql": (("root", "root"), ("root", "mysql")),
    "mqtt": (("admin", "admin"), ("mosquitto", "mosquitto"), ("guest", "guest")),
    "http": (("admin", "admin"), ("tomcat", "tomcat"), ("root", "root")),
    # web admin panels' login forms: routers, cameras, NAS, Tomcat-style and CMS defaults
    "http-form": (
        ("admin", "admin"),
        ("admin", "password"),
        ("admin", "1234"),
        ("root", "root"),
        ("tomcat", "tomcat"),
        ("tomcat", "s3cret"),
        ("administrator", "administrator"),
        ("manager", "manager"),
        ("guest", "guest"),
    ),
}

#: Per service: the accounts the common passwords (and ``:password`` list entries) are tried on.
USUAL_ACCOUNTS: Final[dict[str, tuple[str, ...]]] = {
    "ssh": ("root", "admin"),
    "ftp": ("admin", "ftp", "user"),
    "telnet": ("root", "admin"),
    "postgresql": ("postgres",),
    "mysql": ("root", "admin"),
    "mqtt": ("admin",),
    "http": ("admin",),
    "http-form": ("admin", "administrator"),
}

#: SNMP communities beyond public and private (those are net.snmp-default-community's).
COMMUNITIES: Final = (
    "community",
    "snmp",
    "monitor",
    "manager",
    "admin",
    "secret",
    "cisco",
    "default",
    "internal",
    "write",
    "read",
    "system",
)

#: Candidates tried per service at most, whatever the lists hold (the per-account budget cuts
#: each account much earlier).
MAX_CANDIDATES: Final = 200


@dataclass(frozen=True)
class Guess:
    """One candidate login: an account and a password (never shown; see :func:`masked`)."""

    account: str
    password: str


def masked(password: str) -> str:
    """``password`` as a finding may show it: its first character and its length
    (``r******** (9 characters)``); a password of fewer than 4 characters shows no character."""
    if not password:
        return "(empty)"
    head = password[0] if len(password) >= 4 else "*"
    return f"{head}{'*' * (len(password) - 1)} ({len(password)} characters)"


def candidates(ctx: CheckContext, service: str) -> list[Guess]:
    """The logins to try on ``service``, most likely first: its vendor defaults, the
    user-supplied lists, then the common passwords on its usual accounts (the built-in ones
    only when the policy keeps ``builtin``). The check setting ``accounts`` replaces the usual
    accounts."""
    policy = ctx.credential_policy
    setting = ctx.setting("accounts", None)
    accounts = (
        tuple(str(a) for a in setting)
        if isinstance(setting, list | tuple)
        else USUAL_ACCOUNTS.get(service, ())
    )
    found: list[Guess] = []
    if policy.builtin:
        found += [Guess(a, p) for a, p in VENDOR_DEFAULTS.get(service, ())]
    for account, password in policy.entries:
        found += [Guess(a, password) for a in ((account,) if account else accounts)]
    if policy.builtin:
        found += [Guess(a, p) for a in accounts for p in COMMON_PASSWORDS]
    return [g for g in dict.fromkeys(found) if _sendable(g.account, g.password)][:MAX_CANDIDATES]


def _sendable(*texts: str) -> bool:
    """Whether ``texts`` may go into a protocol's login (no control characters: a CR LF in a
    setting must not become a second FTP command; at most 256 characters)."""
    return all(len(t) <= 256 and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in t) for t in texts)


def community_candidates(ctx: CheckContext) -> list[str]:
    """SNMP communities to try: the built-in ones, then the lists' passwords of ``:word``
    lines (the account part of a list entry means nothing to SNMP and is ignored)."""
    policy = ctx.credential_policy
    found = list(COMMUNITIES) if policy.builtin else []
    found += [password for _account, password in policy.entries]
    return [c for c in dict.fromkeys(found) if c not in ("public", "private") and _sendable(c)][
        :MAX_CANDIDATES
    ]


class Session(Protocol):
    """One connection a check logs in on (SSH transport, FTP control connection...)."""

    @property
    def alive(self) -> bool:
        """Whether another login may be sent on this connection."""
        ...

    def takes(self, guess: Guess) -> bool:
        """Whether this connection can carry ``guess`` (SSH: only the account of its first
        login; OpenSSH disconnects a client that changes the user name)."""
        ...

    def try_login(self, guess: Guess) -> bool:
        """Send one login: True when accepted."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


@dataclass(frozen=True)
class Outcome:
    """What a guessing loop found.

    Attributes:
        accepted: the login that worked, or None.
        tried: logins sent in all.
        exhausted: accounts skipped because the run's budget for them was used up.
    """

    accepted: Guess | None
    tried: int
    exhausted: tuple[str, ...]


def guess_logins(
    ctx: CheckContext,
    target: AddressedTarget,
    service: str,
    guesses: Iterable[Guess],
    open_session: Callable[[], Session],
    *,
    per_connection: int | None = None,
    port: int | None = None,
) -> Outcome:
    """Try ``guesses`` in order, keeping to the run's policy: each login asked of
    ``ctx.credential_try`` (budget per account, pause), at most ``per_connection`` logins on one
    connection (the policy's, or less when the protocol's server allows less), a new connection
    when the server closes one or cannot take the next login, and a stop at the first login
    accepted. Nothing accepted while some account was never tried here (its budget spent by
    other checks: SSH, FTP and telnet share the host's accounts) is Inconclusive, not a pass:
    a later run must not take it for a fixed password. ``port``: where the logins go when
    ``target`` is not a service (a web form's action); the service's port otherwise."""
    allowed = min(
        per_connection or ctx.credential_policy.per_connection, ctx.credential_policy.per_connection
    )
    limit = ctx.credential_policy.max_attempts
    if port is None:
        if not isinstance(target, ServiceTarget):
            raise TypeError("guess_logins needs the port of a target that is not a service")
        port = target.service.port
    address = target.address
    exhausted: list[str] = []
    mine: set[str] = set()  # accounts this check sent a login to
    session: Session | None = None
    on_connection = tried = 0
    try:
        for guess in guesses:
            if guess.account in exhausted:
                continue
            if ctx.credential_used(address, port, service, guess.account) >= limit:
                exhausted.append(guess.account)
                continue
            if (
                session is None
                or not session.alive
                or on_connection >= allowed
                or not session.takes(guess)
            ):
                if session is not None:
                    session.close()
                session, on_connection = None, 0
                session = open_session()
            if not ctx.credential_try(address, port, service, guess.account):
                exhausted.append(guess.account)
                continue
            ctx.keep_secret(guess.password)  # the evidence of this attempt shows it masked
            on_connection += 1
            tried += 1
            mine.add(guess.account)
            if session.try_login(guess):
                return Outcome(guess, tried, tuple(exhausted))
    finally:
        if session is not None:
            session.close()
    untested = [a for a in exhausted if a not in mine]
    if untested:  # not seen is not fixed: an account never tried here says nothing
        raise Inconclusive(
            f"not tried: {', '.join(untested)} (their logins for this run, {limit} per account "
            f"per host, were used up before this check by other checks of the host); {tried} "
            "logins tried on the other accounts, none accepted"
        )
    return Outcome(None, tried, tuple(exhausted))


def evidence(service: str, outcome: Outcome, accepted: Guess) -> str:
    """The finding's evidence: which account, its password masked, and the logins it took."""
    return (
        f"{service} login accepted for account {accepted.account!r}: its password is on the "
        f"weak and default password list ({masked(accepted.password)}); "
        f"{outcome.tried} login{'s' if outcome.tried != 1 else ''} tried by this check"
    )


def detail(outcome: Outcome, accepted: Guess) -> dict[str, object]:
    """The finding's structured facts (never the password)."""
    return {
        "account": accepted.account,
        "password_masked": masked(accepted.password),
        "logins_tried": outcome.tried,
    }


class OneLogin:
    """A session of one login on one connection, for protocols that authenticate once per
    connection (a MySQL greeting, PostgreSQL's StartupMessage, an MQTT CONNECT):
    ``login(conn, account, password)`` says whether the server accepted it."""

    def __init__(
        self,
        ctx: CheckContext,
        target: ServiceTarget,
        login: Callable[[Connection, str, str], bool],
        *,
        read_limit: int = 1 << 20,
    ) -> None:
        self._conn = ctx.connect(target.address, target.service.port, read_limit=read_limit)
        self._login = login
        self._used = False

    @property
    def alive(self) -> bool:
        return not self._used

    def takes(self, guess: Guess) -> bool:
        return True

    def try_login(self, guess: Guess) -> bool:
        self._used = True
        return self._login(self._conn, guess.account, guess.password)

    def close(self) -> None:
        self._conn.close()


def found(check: Check, target: ServiceTarget, service: str, outcome: Outcome) -> Iterator[Finding]:
    """The check's finding for the login ``outcome`` accepted (none when it accepted none): the
    account, its password masked, the logins tried."""
    if outcome.accepted is not None:
        yield check.finding(
            target,
            evidence(service, outcome, outcome.accepted),
            location=f"{target.location} account {outcome.accepted.account}",
            detail=detail(outcome, outcome.accepted),
        )
