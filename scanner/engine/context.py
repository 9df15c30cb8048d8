"""What a check is handed: scope-checked, rate-limited, deadline-bound helpers, and its settings.

A :class:`RunServices` lives for one run and holds what checks share (the scope guard, the rate
limits, one HTTP client per host, one SSH session per on-site host). Every TCP connection, UDP
exchange, HTTP request and redirect hop is admitted by :meth:`RunServices.admit`: the run's
rate limit, and the ot limit too when the destination belongs to an ot asset (whichever asset
the check is inspecting: a redirect from an office web site can land on a PLC's web page).
Each attempt gets a :class:`CheckContext` bound to its check id, the shell commands the check
declares, and its deadline, so every helper a check calls ends by the deadline and is
attributed to it.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from scanner import __version__
from scanner.core.memo import Memo
from scanner.core.models import OnsiteTarget
from scanner.engine.check import Inconclusive, UndeclaredCommand, declares
from scanner.engine.credentials import CredentialLedger, CredentialPolicy
from scanner.scope.guard import OutOfScope, ScopeGuard, Unresolvable
from scanner.transport.http import BODY_LIMIT, HttpClient, HttpResponse
from scanner.transport.net import READ_LIMIT, Connection, open_tcp, remaining, udp_exchange
from scanner.transport.ratelimit import TokenBucket
from scanner.transport.ssh import (
    SSH_PORT,
    CommandResult,
    SshSession,
    TrustedKey,
    VerifiedHostKey,
    known_hosts_keys,
)

if TYPE_CHECKING:
    from scanner.inventory.schema import Credential  # only its type: api loads no schema

T = TypeVar("T")

#: An address or range an ot asset occupies.
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass
class RunServices:
    """Per-run shared state behind every CheckContext.

    Attributes:
        guard: the run's scope guard.
        bucket: the global connection/request rate limit.
        ot_bucket: the (much lower) extra limit on connections and requests to ot assets.
        ot_hosts: where the ot assets are, as the inventory declares them (addresses, names,
            ranges, URLs): what :meth:`is_ot` matches destinations against.
        base_dir: the inventory's folder: relative paths in settings are relative to it.
        credentials: the inventory's credentials, by reference, for on-site logins.
        settings: per check id, the inventory's settings for it.
        user_agent: what HTTP requests identify themselves as.
        pins: SSH host keys pinned in the store, by (host, port), read when the run starts.
        credential_tests: the campaign's credential-test policy; ``ledger`` counts its logins.
    """

    guard: ScopeGuard
    bucket: TokenBucket
    ot_bucket: TokenBucket | None = None
    ot_hosts: tuple[str, ...] = ()
    base_dir: Path = field(default_factory=Path)
    credentials: Mapping[str, Credential] = field(default_factory=dict)
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    user_agent: str = f"ci-inspection-scanner/{__version__}"
    facts: Memo = field(default_factory=Memo)
    pins: Mapping[tuple[str, int], tuple[TrustedKey, ...]] = field(default_factory=dict)
    credential_tests: CredentialPolicy = field(default_factory=CredentialPolicy)
    ledger: CredentialLedger = field(init=False)
    _http: dict[str, HttpClient] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ssh: list[SshSession] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ledger = CredentialLedger(self.credential_tests)

    def ssh_connection(self, ctx: CheckContext, target: OnsiteTarget) -> SshSession:
        """The run's one SSH connection to ``target``'s host, its host key verified (known_hosts
        and pins) but not yet logged in; made on first use, and its failure (refused, unknown
        or changed key) remembered and shared by every check of the host."""
        credential = self._credential(target)

        def connect() -> SshSession:
            trusted = self._trusted_keys(target, credential.known_hosts)
            try:
                conn = ctx.connect(target.address, SSH_PORT, timeout=10.0)
            except OSError as exc:
                if exc.errno is None:
                    raise
                # same type and errno (the engine classifies by them), with where it happened
                raise type(exc)(
                    exc.errno, f"SSH to {target.address} port {SSH_PORT}: {exc.strerror}"
                ) from None
            try:
                session = SshSession(
                    conn.sock,
                    target.host,
                    trusted,
                    ctx.deadline,
                    hint=(
                        "`scanner hostkeys approve --inventory INVENTORY "
                        f"{target.entity_id}/{target.asset_id} --fingerprint SHA256:...` (or add "
                        "the key to the credential's known_hosts)."
                    ),
                )
            except BaseException:
                conn.close()
                raise
            with self._lock:
                self._ssh.append(session)
            return session

        return self.facts.get(("ssh-connection", target.address, target.credentials), connect)

    def ssh_session(self, ctx: CheckContext, target: OnsiteTarget) -> SshSession:
        """The run's one SSH session to ``target``'s host, logged in on first use over
        :meth:`ssh_connection` (a failed login is remembered too, so one bad password is never
        retried by every check)."""
        credential = self._credential(target)

        def login() -> SshSession:
            session = self.ssh_connection(ctx, target)
            session.login(credential, self.base_dir, ctx.deadline)
            return session

        return self.facts.get(("ssh-session", target.address, target.credentials), login)

    def _credential(self, target: OnsiteTarget) -> Credential:
        if not target.credentials or target.credentials not in self.credentials:
            raise Inconclusive(f"{target.asset_id} has no credentials for an on-site login")
        return self.credentials[target.credentials]

    def _trusted_keys(self, target: OnsiteTarget, known_hosts: Path | None) -> list[TrustedKey]:
        """The host keys on record for ``target``: its known_hosts entries, then its pins."""
        names = [n for n in (target.hostname, target.address) if n]
        trusted: list[TrustedKey] = []
        if known_hosts is not None:
            path = known_hosts if known_hosts.is_absolute() else self.base_dir / known_hosts
            trusted += known_hosts_keys(path, names, SSH_PORT)
        for name in dict.fromkeys(names):
            trusted += self.pins.get((name, SSH_PORT), ())
        return trusted

    def admit(self, addresses: Sequence[str], deadline: float, *, ot: bool = False) -> bool:
        """Take a slot for one connection or request to ``addresses`` (scope-checked IPs) before
        ``deadline``: from the run's limit, and from the ot limit when ``ot`` (the check's
        target is an ot asset) or any of them belongs to an ot asset. False if none comes."""
        buckets = [self.bucket]
        if self.ot_bucket is not None and (ot or any(self.is_ot(a) for a in addresses)):
            buckets.append(self.ot_bucket)
        return all(bucket.acquire(deadline) for bucket in buckets)

    def is_ot(self, address: str) -> bool:
        """Whether ``address`` (an IP) belongs to an ot asset: one of its addresses, inside its
        range, or an address its name resolved to in this run."""
        if not self.ot_hosts:
            return False
        networks = self.facts.get(("ot-networks",), lambda: _networks(self.guard, self.ot_hosts))
        ip = _plain(address)
        return ip is not None and any(ip in network for network in networks)

    def http_client(self, host: str) -> HttpClient:
        """The one HTTP client of ``host`` for this run (its requests admitted by
        :meth:`admit`, by where each goes)."""
        with self._lock:
            client = self._http.get(host)
            if client is None:
                client = HttpClient(self.guard, self.user_agent, self.admit)
                self._http[host] = client
            return client

    def http_sent(self) -> dict[str, Counter[tuple[str, str]]]:
        """Per host: how many times each (method, URL) was requested (benchmarks, tests)."""
        with self._lock:
            return {host: Counter(c.sent) for host, c in self._http.items()}

    def http_requests_sent(self) -> int:
        """Requests sent by all HTTP clients so far (benchmarks report it)."""
        with self._lock:
            return sum(c.requests_sent for c in self._http.values())

    def close(self) -> None:
        """Close every HTTP client and SSH session."""
        with self._lock:
            for client in self._http.values():
                client.close()
            self._http.clear()
            for session in self._ssh:
                session.close()
            self._ssh.clear()


def _plain(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``address`` as an IP, an IPv4-mapped IPv6 address as its IPv4 (the one connected to)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _networks(guard: ScopeGuard, hosts: Iterable[str]) -> tuple[_Network, ...]:
    """The ranges ot assets occupy: their ranges and addresses, and their names' addresses as
    the guard resolves them for this run (a name out of scope or unresolvable occupies none:
    nothing is sent there anyway)."""
    found: list[_Network] = []
    for host in hosts:
        name = (urlsplit(host).hostname or "") if "://" in host else host
        try:
            found.append(ipaddress.ip_network(name, strict=False))
            continue
        except ValueError:
            pass
        try:
            addresses = guard.resolve(name)
        except (OutOfScope, Unresolvable):
            continue
        found += [ipaddress.ip_network(a) for a in addresses if _plain(a) is not None]
    return tuple(found)


class CheckContext:
    """The helpers one check may use on one target, all bound to its deadline."""

    def __init__(
        self,
        services: RunServices,
        check_id: str,
        deadline: float,
        *,
        ot: bool = False,
        commands: tuple[str, ...] = (),
        attempt_key: str = "",
    ) -> None:
        self._services = services
        self.check_id = check_id
        self.deadline = deadline
        self.ot = ot
        self.commands = commands
        self.attempt_key = attempt_key or check_id

    @property
    def settings(self) -> Mapping[str, Any]:
        """This check's settings from the inventory (``checks.settings.<id>``)."""
        return self._services.settings.get(self.check_id, {})

    def setting(self, name: str, default: Any) -> Any:
        """One setting, or ``default`` when the inventory does not set it."""
        return self.settings.get(name, default)

    def path(self, value: str) -> Path:
        """A file path from a setting, relative to the inventory's folder when not absolute."""
        path = Path(value)
        return path if path.is_absolute() else self._services.base_dir / path

    def remaining(self) -> float:
        """Seconds left before the deadline; raises DeadlineExceeded when none are."""
        return remaining(self.deadline)

    def _admit(self, address: str) -> str:
        """Scope-check and rate-limit a connection; the checked IP address to connect to (a
        name is never resolved a second time, so DNS cannot point the socket elsewhere)."""
        checked = self._services.guard.resolve(address, check_id=self.check_id)[0]
        if not self._services.admit([checked], self.deadline, ot=self.ot):
            raise TimeoutError("rate limit: no connection slot before the check's deadline")
        return checked

    def connect(
        self, address: str, port: int, *, timeout: float = 10.0, read_limit: int = READ_LIMIT
    ) -> Connection:
        """A scope-checked, rate-limited TCP connection with capped reads."""
        checked = self._admit(address)
        return Connection(
            open_tcp(checked, port, self.deadline, timeout), self.deadline, read_limit
        )

    def udp_exchange(
        self, address: str, port: int, payload: bytes, *, timeout: float = 3.0
    ) -> bytes:
        """Send one datagram and return the first reply (TimeoutError when none comes)."""
        checked = self._admit(address)
        return udp_exchange(checked, port, payload, self.deadline, timeout)

    def http_get(
        self, url: str, *, host: str = "", max_bytes: int = BODY_LIMIT, follow: bool = True
    ) -> HttpResponse:
        """GET ``url`` through the host's shared session: once per run, redirects in scope."""
        client = self._services.http_client(host or urlsplit(url).netloc)
        return client.get(
            url, self.deadline, check_id=self.check_id, max_bytes=max_bytes, follow=follow
        )

    def http_request(
        self,
        method: str,
        url: str,
        *,
        host: str = "",
        headers: Mapping[str, str] | None = None,
        max_bytes: int = BODY_LIMIT,
        follow: bool = False,
    ) -> HttpResponse:
        """One request of any method (TRACE, OPTIONS...) through the host's session; not cached."""
        client = self._services.http_client(host or urlsplit(url).netloc)
        return client.fetch(
            method,
            url,
            self.deadline,
            check_id=self.check_id,
            max_bytes=max_bytes,
            follow=follow,
            headers=headers,
        )

    def ssh_run(self, target: OnsiteTarget, command: str, *, root: bool = False) -> CommandResult:
        """Run a read-only command on the target host over the run's one SSH connection; the
        same command is run once per host and run, however many checks ask for it. ``root``:
        the command needs root, so it runs under ``sudo -n`` when the credential allows sudo.

        The check must declare the command in its ``commands`` (``"sudo CMD"`` when ``root``):
        anything else raises UndeclaredCommand before a connection is made. Output longer than
        the cap is Inconclusive and a command cut off by the deadline a TimeoutError, so a
        check never decides on half an answer.
        """
        why = declares(self.commands, command, root=root)
        if why is not None:
            raise UndeclaredCommand(self.check_id, command, root=root, why=why)
        session = self._services.ssh_session(self, target)
        credential = self._services.credentials[target.credentials]
        sudo = root and credential.sudo
        result = self.collect(
            ("ssh-run", target.address, command, sudo),
            lambda: session.run(command, self.deadline, sudo=sudo),
        )
        if result.timed_out:
            raise TimeoutError(
                f"`{result.command}` on {target.host} did not finish before the check's deadline"
            )
        if result.truncated:
            raise Inconclusive(
                f"`{result.command}` on {target.host} printed more than the output cap "
                f"({len(result.stdout)} bytes kept); the check cannot decide on a cut answer"
            )
        return result

    def ssh_host_key(self, target: OnsiteTarget) -> VerifiedHostKey:
        """The verified host key of ``target``'s host over the run's one SSH connection
        (HostKeyChanged or an inconclusive UnknownHostKey otherwise); sends no credential."""
        return self._services.ssh_connection(self, target).host_key

    def collect(self, key: Hashable, produce: Callable[[], T]) -> T:
        """A fact collected once per run for ``key`` (e.g. ``("tls", address, port)``) and shared
        by every check that asks; ``produce`` runs only for the first, under its deadline."""
        return self._services.facts.get(key, produce)

    @property
    def credential_policy(self) -> CredentialPolicy:
        """The campaign's credential-test policy (limits, pause, user-supplied lists)."""
        return self._services.credential_tests

    def credential_try(
        self, address: str, port: int, service: str, account: str, *, shown: str | None = None
    ) -> bool:
        """Ask for one login to ``account`` of ``service`` at ``address``:``port``, just before
        the password is sent: counted on the run (and shown on the notice), paced by the
        policy's pause. False when the account has had its logins this run: try no more on
        it. Never for an ot asset: Inconclusive, before anything is counted. ``shown``: how the
        run records the account when ``account`` itself is secret (an SNMP community)."""
        checked = self._services.guard.resolve(address, check_id=self.check_id)[0]
        if self.ot or self._services.is_ot(checked):
            raise Inconclusive(
                f"{address} belongs to an ot asset: credential tests never run against ot assets"
            )
        return self._services.ledger.take(
            self.attempt_key, checked, port, service, account, self.deadline, shown=shown
        )

    def credential_used(self, address: str, port: int, service: str, account: str) -> int:
        """Logins already counted this run against ``account`` (its host's account store)."""
        checked = self._services.guard.resolve(address, check_id=self.check_id)[0]
        return self._services.ledger.used(checked, port, service, account)

    def sleep(self, seconds: float) -> None:
        """Wait, but never past the deadline."""
        time.sleep(max(0.0, min(seconds, self.deadline - time.monotonic())))
