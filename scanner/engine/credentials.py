"""The run's credential-test policy and its ledger: how many logins each account may get.

Credential checks (``cred.*`` and ``net.redis-default-password``) guess passwords, and a guess
is what locks accounts out and trips intrusion detection. So the engine, not each check, counts
them for the whole run: :class:`CredentialLedger` gives every (host, account store, account) at
most ``max_attempts`` logins per run, keeps ``pause`` seconds between two logins to one service,
and remembers per attempt (check x target) how many logins went to which account, so the run
stores them and the notice tells the entity. Checks ask through
:meth:`scanner.engine.context.CheckContext.credential_try` just before they send a password.

One account store per host for the services that log in through the host's own accounts (SSH,
FTP, telnet: PAM's faillock counts them together); every other service (a database, a broker, a
web server) keeps its accounts per port.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass

from scanner.core.models import CredentialTries

#: Services whose accounts are the host's own: one budget per account across all of them.
SYSTEM_ACCOUNT_SERVICES = frozenset({"ssh", "ftp", "telnet"})


@dataclass(frozen=True)
class CredentialPolicy:
    """How credential checks may guess, from the inventory's ``checks.credentials``.

    Attributes:
        enabled: the campaign opts in to every credential check (as if each were listed in
            ``checks.intrusive``).
        max_attempts: logins per account per host per run (lockout policies start at 3-5).
        pause: seconds between two logins to the same service.
        per_connection: logins sent on one connection at most (the server may allow fewer:
            a check reconnects when the server closes).
        builtin: whether the built-in short list is tried.
        entries: the user-supplied lists' (account, password) pairs, in file order; an empty
            account means "each of the service's usual accounts".
    """

    enabled: bool = False
    max_attempts: int = 3
    pause: float = 1.0
    per_connection: int = 1
    builtin: bool = True
    entries: tuple[tuple[str, str], ...] = ()


def account_store(service: str, port: int) -> str:
    """Which account store a login to ``service`` on ``port`` counts against."""
    return "system" if service in SYSTEM_ACCOUNT_SERVICES else f"{service}/{port}"


class CredentialLedger:
    """Every login a run's credential checks send, counted and paced (thread-safe)."""

    def __init__(self, policy: CredentialPolicy) -> None:
        self.policy = policy
        self._lock = threading.Lock()
        self._per_account: Counter[tuple[str, str, str]] = Counter()
        self._next_slot: dict[tuple[str, int], float] = {}
        self._tallies: dict[str, Counter[tuple[str, int, str, str]]] = {}

    def take(
        self,
        attempt_key: str,
        address: str,
        port: int,
        service: str,
        account: str,
        deadline: float,
        *,
        shown: str | None = None,
    ) -> bool:
        """Count one login to ``account`` of ``service`` at ``address``:``port`` and wait for its
        slot; False (nothing counted) when the account has had its ``max_attempts`` this run.
        TimeoutError (nothing counted) when the pause would run past ``deadline``. ``shown``:
        the account as the run records it, when ``account`` must not be stored (an SNMP
        community is its own secret: each is budgeted apart, recorded as ``community``)."""
        budget = (address, account_store(service, port), account)
        with self._lock:
            if self._per_account[budget] >= self.policy.max_attempts:
                return False
            now = time.monotonic()
            slot = max(now, self._next_slot.get((address, port), now))
            if slot > deadline:
                raise TimeoutError(
                    f"the pause between logins to {address}:{port} would pass the check's deadline"
                )
            self._next_slot[(address, port)] = slot + self.policy.pause
            self._per_account[budget] += 1
            tally = self._tallies.setdefault(attempt_key, Counter())
            tally[(address, port, service, account if shown is None else shown)] += 1
        if slot > now:
            time.sleep(slot - now)
        return True

    def used(self, address: str, port: int, service: str, account: str) -> int:
        """Logins counted so far against ``account`` (its account store at ``address``)."""
        with self._lock:
            return self._per_account[(address, account_store(service, port), account)]

    def tries(self, attempt_key: str) -> tuple[CredentialTries, ...]:
        """What one attempt (check x target) sent, per account, in the order first tried."""
        with self._lock:
            tally = dict(self._tallies.get(attempt_key, {}))
        return tuple(
            CredentialTries(address, port, service, account, count)
            for (address, port, service, account), count in tally.items()
        )

    def seed(self, tries: tuple[CredentialTries, ...]) -> None:
        """Count logins an earlier part of the run already sent (a resumed run)."""
        with self._lock:
            for t in tries:
                self._per_account[(t.address, account_store(t.service, t.port), t.account)] += (
                    t.tries
                )
