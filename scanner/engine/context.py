"""What a check is handed: scope-checked, rate-limited, deadline-bound helpers, and its settings.

A :class:`RunServices` lives for one run and holds what checks share (the scope guard, the rate
limits, one HTTP client per host, one SSH session per on-site host). Every TCP connection, UDP
exchange, HTTP request and redirect hop is admitted by :meth:`RunServices.admit`: the run's
rate limit, and the ot limit too when the destination belongs to an ot asset (whichever asset
the check is inspecting: a redirect from an office web site can land on a PLC's web page).
Each attempt gets a :class:`CheckContext` bound to its check id, the shell commands the check
declares, and its deadline, so every helper a check calls ends by the deadline and is
attributed to it. The context also owns the attempt's :class:`~scanner.core.evidence.ExchangeLog`:
its sockets, UDP exchanges, HTTP requests (shared responses included) and SSH commands write
what they send and receive into it, so every check keeps its raw evidence without code of its
own; :meth:`RunServices.known_secrets` are the run's secrets its log replaces.
"""

from __future__ import annotations

import ipaddress
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from scanner import __version__
from scanner.core.errors import EndpointUnresponsive
from scanner.core.evidence import ExchangeLog, Wire
from scanner.core.memo import Memo
from scanner.core.models import OnsiteTarget, Privilege
from scanner.core.secrets import SECRET_NAME
from scanner.core.text import one_line
from scanner.engine.check import Inconclusive, UndeclaredCommand, UndeclaredRequest, declares
from scanner.engine.credentials import CredentialLedger, CredentialPolicy
from scanner.scope.guard import OutOfScope, ScopeGuard, Unresolvable
from scanner.transport.net import READ_LIMIT, Connection, open_tcp, remaining, udp_exchange
from scanner.transport.ratelimit import Bucket, HostSlots
from scanner.transport.response import BODY_LIMIT, HttpResponse
from scanner.transport.ssh import (
    SSH_PORT,
    CommandResult,
    Elevation,
    PrivilegeRejected,
    SshSession,
    TrustedKey,
    VerifiedHostKey,
    known_hosts_keys,
)
from scanner.vulns.match import Matcher

if TYPE_CHECKING:
    from scanner.inventory.schema import Credential  # only its type: api loads no schema
    from scanner.transport.http import HttpClient  # imported when a check first uses HTTP

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
        host_slots: per-host check slots shared with other processes (a distributed run's
            workers), else None: the executor's own per-host cap is the run's.
        ot_hosts: where the ot assets are, as the inventory declares them (addresses, names,
            ranges, URLs): what :meth:`is_ot` matches destinations against.
        base_dir: the inventory's folder: relative paths in settings are relative to it.
        credentials: the inventory's credentials, by reference, for on-site logins.
        settings: per check id, the inventory's settings for it.
        user_agent: what HTTP requests identify themselves as.
        pins: SSH host keys pinned in the store, by (host, port), read when the run starts.
        sent_requests: every industrial-protocol request sent in the run, in order, as
            (check id, address, kind): what a test or an audit compares with the declarations.
        vulnerabilities: the matcher over the store's vulnerability feeds, None without a store.
        onsite: the run's on-site assets (address or name in ``address``) when the run audits
            on site, so a remote check can settle what it inferred from the installed packages
            (:meth:`onsite_twin`); empty otherwise.
        credential_tests: the campaign's credential-test policy; ``ledger`` counts its logins.
    """

    guard: ScopeGuard
    bucket: Bucket
    ot_bucket: Bucket | None = None
    ot_hosts: tuple[str, ...] = ()
    base_dir: Path = field(default_factory=Path)
    credentials: Mapping[str, Credential] = field(default_factory=dict)
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    user_agent: str = f"ci-inspection-scanner/{__version__}"
    facts: Memo = field(default_factory=Memo)
    pins: Mapping[tuple[str, int], tuple[TrustedKey, ...]] = field(default_factory=dict)
    host_slots: HostSlots | None = None
    sent_requests: list[tuple[str, str, str]] = field(default_factory=list)
    vulnerabilities: Matcher | None = None
    onsite: tuple[OnsiteTarget, ...] = ()
    credential_tests: CredentialPolicy = field(default_factory=CredentialPolicy)
    ledger: CredentialLedger = field(init=False)
    _http: dict[tuple[str, str], HttpClient] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _unresponsive: dict[tuple[str, int], str] = field(default_factory=dict)

    def mark_unresponsive(self, endpoint: tuple[str, int], why: str) -> None:
        """Remember that ``endpoint`` (address, port) stalled a check, and how (the first
        reason is kept: it is the evidence every later check of the endpoint cites)."""
        with self._lock:
            self._unresponsive.setdefault(endpoint, why)

    def gate(self, address: str, port: int) -> None:
        """Raise EndpointUnresponsive for an endpoint that stalled an earlier check of this run:
        a dead or dripping endpoint costs one deadline, not one per check."""
        with self._lock:
            why = self._unresponsive.get((address, port))
        if why is not None:
            raise EndpointUnresponsive(
                f"endpoint unresponsive: {address} port {port} stalled an earlier check of this"
                f" run ({why}); not tried again"
            )

    _ssh: list[SshSession] = field(default_factory=list)
    _secrets: tuple[str, ...] | None = None

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

    def elevation(self, target: OnsiteTarget) -> Elevation | None:
        """How ``target``'s root-only commands run, from its credential (None: as the login
        user); a password method's password is read from its variable now, never kept."""
        credential = self._credential(target)
        method, variable = credential.privilege, credential.privilege_env
        if method is None:
            return None
        if variable is None:
            return Elevation(method, setting="sudo: true")
        password = os.environ.get(variable)
        key = "su_password_env" if method == Privilege.SU else "sudo_password_env"
        if password is None:  # validate refuses this before a run; the variable may go since
            raise Inconclusive(f"${variable} ({key}) is not set. Fix: export it before the run")
        return Elevation(method, password, f"{key} {variable}")

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

    def onsite_twin(self, address: str) -> OnsiteTarget | None:
        """The on-site asset this run audits at ``address`` (an IP), if any: its declared
        address or one its name resolves to in this run."""

        def twins() -> dict[str, OnsiteTarget]:
            found: dict[str, OnsiteTarget] = {}
            for target in self.onsite:
                try:
                    addresses = self.guard.resolve(target.address)
                except (OutOfScope, Unresolvable):
                    continue
                for ip in addresses:
                    found.setdefault(ip, target)
            return found

        return self.facts.get(("onsite-twins",), twins).get(address)

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

    def known_secrets(self) -> tuple[str, ...]:
        """The secrets this run holds, which no exchange it keeps may show: the passwords of
        the inventory's credentials (from their environment variables) and the values of
        check settings whose name says password, secret, token or key (the passwords a check
        tries, for one)."""
        with self._lock:  # not among the facts: those are what checks collected
            if self._secrets is None:
                found: list[str] = []
                for credential in self.credentials.values():
                    if credential.password_env and os.environ.get(credential.password_env):
                        found.append(os.environ[credential.password_env])
                for values in self.settings.values():
                    found += _secret_values(values)
                self._secrets = tuple(dict.fromkeys(found))
            return self._secrets

    def http_client(self, host: str, via: str = "") -> HttpClient:
        """The one HTTP client of ``host`` reached at the target address ``via`` for this run
        (its requests admitted by :meth:`admit`, by where each goes). A name with several
        addresses has a client per address: pooled connections never cross them."""
        with self._lock:
            client = self._http.get((host, via))
            if client is None:
                # requests and urllib3 load here, not with the check registry (scanner validate)
                from scanner.transport.http import HttpClient  # noqa: PLC0415

                client = HttpClient(
                    self.guard, self.user_agent, self.admit, via=via, gate=self.gate
                )
                self._http[(host, via)] = client
            return client

    def http_sent(self) -> dict[str, Counter[tuple[str, str]]]:
        """Per host: how many times each (method, URL) was requested (benchmarks, tests)."""
        sent: dict[str, Counter[tuple[str, str]]] = {}
        with self._lock:
            for (host, _via), client in self._http.items():
                sent.setdefault(host, Counter()).update(client.sent)
        return sent

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


_SECRET_KEY = re.compile(SECRET_NAME.decode(), re.IGNORECASE)


def _secret_values(value: Any, secret: bool = False, depth: int = 0) -> list[str]:
    """The strings in a check's settings under a key whose name says it is a secret."""
    if depth > 4:
        return []
    if isinstance(value, str):
        return [value] if secret and value else []
    if isinstance(value, Mapping):
        return [
            s
            for k, v in value.items()
            for s in _secret_values(v, secret or bool(_SECRET_KEY.fullmatch(str(k))), depth + 1)
        ]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _secret_values(v, secret, depth + 1)]
    return []


class CheckContext:
    """The helpers one check may use on one target, all bound to its deadline.

    Attributes:
        log: what the attempt sent and received (its raw evidence), bounded.
    """

    def __init__(
        self,
        services: RunServices,
        check_id: str,
        deadline: float,
        *,
        ot: bool = False,
        commands: tuple[str, ...] = (),
        address: str = "",
        requests: Collection[str] = (),
        attempt_key: str = "",
    ) -> None:
        self._services = services
        self.requests = frozenset(requests)
        self.check_id = check_id
        self.deadline = deadline
        self.ot = ot
        self.commands = commands
        self.address = address  # the target's address: where its HTTP requests are dialled
        self.log = ExchangeLog()
        #: Secrets this check sends (guessed passwords): masked in its exchanges like the run's.
        self.secrets: list[str] = []
        #: How its root-only commands ran (the worst of them), None until one ran.
        self.privilege: Privilege | None = None
        #: Why they lacked privilege and which setting fixes it, for an error's reason.
        self.privilege_note = ""
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

    def keep_secret(self, value: str) -> None:
        """Say that the check sends ``value`` as a secret (a password or community it guesses):
        the exchanges kept as this attempt's evidence show it masked, like the run's own."""
        if value and value not in self.secrets:
            self.secrets.append(value)

    def remaining(self) -> float:
        """Seconds left before the deadline; raises DeadlineExceeded when none are."""
        return remaining(self.deadline)

    def admit(self, address: str) -> str:
        """Scope-check and rate-limit one connection a library opens itself (sslyze's
        handshakes): the checked IP address to connect to; TimeoutError when no slot comes
        before the deadline. Connections through :meth:`connect` are admitted already."""
        return self._admit(address)

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
        """A scope-checked, rate-limited TCP connection with capped reads (none to an endpoint
        that stalled an earlier check of the run: EndpointUnresponsive)."""
        checked = self._services.guard.resolve(address, check_id=self.check_id)[0]
        self._services.gate(checked, port)
        checked = self._admit(checked)
        return Connection(
            open_tcp(checked, port, self.deadline, timeout), self.deadline, read_limit, self.log
        )

    def request(self, kind: str, address: str) -> None:
        """Say that the check is about to send one industrial-protocol request of ``kind`` (named
        by the protocol client from the bytes themselves) to ``address``: UndeclaredRequest, and
        nothing sent, unless the check's ``requests`` declare it; recorded in the run."""
        if kind not in self.requests:
            raise UndeclaredRequest(self.check_id, kind)
        with self._services._lock:
            self._services.sent_requests.append((self.check_id, address, kind))

    def udp_exchange(
        self, address: str, port: int, payload: bytes, *, timeout: float = 3.0
    ) -> bytes:
        """Send one datagram and return the first reply (TimeoutError when none comes)."""
        checked = self._admit(address)
        return udp_exchange(checked, port, payload, self.deadline, timeout, log=self.log)

    def http_get(
        self, url: str, *, host: str = "", max_bytes: int = BODY_LIMIT, follow: bool = True
    ) -> HttpResponse:
        """GET ``url`` through the host's shared session: once per run, redirects in scope."""
        client = self._services.http_client(host or urlsplit(url).netloc, self.address)
        response = client.get(
            url, self.deadline, check_id=self.check_id, max_bytes=max_bytes, follow=follow
        )
        return self._logged(response)

    def _logged(self, response: HttpResponse) -> HttpResponse:
        """``response``, its exchanges written into this attempt's log (a response fetched
        once for the run is evidence of every check that reads it)."""
        for wire in response.wire:
            self.log.add_wire(wire)
        return response

    def http_request(
        self,
        method: str,
        url: str,
        *,
        host: str = "",
        headers: Mapping[str, str] | None = None,
        max_bytes: int = BODY_LIMIT,
        follow: bool = False,
        body: bytes | None = None,
        cookies: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """One request of any method (TRACE, OPTIONS, a form's POST with ``body``...) through
        the host's session; not cached. ``cookies``: the request carries exactly these and the
        host's session keeps none it answers (a login's session stays the check's own)."""
        client = self._services.http_client(host or urlsplit(url).netloc, self.address)
        response = client.fetch(
            method,
            url,
            self.deadline,
            check_id=self.check_id,
            max_bytes=max_bytes,
            follow=follow,
            headers=headers,
            body=body,
            cookies=cookies,
        )
        return self._logged(response)

    def ssh_run(self, target: OnsiteTarget, command: str, *, root: bool = False) -> CommandResult:
        """Run a read-only command on the target host over the run's one SSH connection; the
        same command is run once per host and run, however many checks ask for it. ``root``:
        the command needs root: it runs the way the credential says (``sudo -n``, ``sudo -S`` with
        the password on stdin, ``su -c``), else as the login user; how it ran is recorded.

        The check must declare the command in its ``commands`` (``"sudo CMD"`` when ``root``):
        anything else raises UndeclaredCommand before a connection is made. Output longer than
        the cap is Inconclusive and a command cut off by the deadline a TimeoutError, so a
        check never decides on half an answer.
        """
        why = declares(self.commands, command, root=root)
        if why is not None:
            raise UndeclaredCommand(self.check_id, command, root=root, why=why)
        session = self._services.ssh_session(self, target)
        elevation = self._services.elevation(target) if root else None
        method = None if elevation is None else elevation.method
        try:
            result = self.collect(
                ("ssh-run", target.address, command, method),
                lambda: session.run(command, self.deadline, elevation=elevation),
            )
        except PrivilegeRejected:
            self._lacked(Privilege.REFUSED, target, "")
            raise
        if root:
            ran = result.privilege or Privilege.NONE
            self._lacked(ran, target, result.stderr.decode("utf-8", "replace"))
        output = result.stdout + (b"\n[stderr]\n" + result.stderr if result.stderr else b"")
        self.log.add_wire(
            Wire.bounded(
                "ssh",
                session.endpoints[0],
                session.endpoints[1],
                f"{result.command} (exit {result.exit_status})",
                result.command.encode(),
                output,
                result.started_at,
                result.started_at + result.seconds,
            )
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

    def _lacked(self, ran: Privilege, target: OnsiteTarget, said: str) -> None:
        """Record how a root-only command ran; when it lacked privilege, say what fixes it."""
        if self.privilege is not None and self.privilege.rank >= ran.rank:
            return
        self.privilege = ran
        ref = target.credentials
        if ran == Privilege.NONE:
            self.privilege_note = (
                f"root-only commands ran as the login user: credential {ref} declares no "
                "privilege. Fix: set sudo: true, sudo_password_env or su_password_env on it"
            )
        elif ran == Privilege.REFUSED and "a password is required" in said:
            self.privilege_note = (
                f"sudo -n was refused: the host's sudo asks for a password. Fix: set "
                f"sudo_password_env on credential {ref} (or a NOPASSWD rule for the commands)"
            )
        elif ran == Privilege.REFUSED and said:
            self.privilege_note = (
                f"sudo refused the command ({one_line(said, 120)}). Fix: a sudoers rule for "
                "the commands in onsite-commands.md"
            )

    def ssh_host_key(self, target: OnsiteTarget) -> VerifiedHostKey:
        """The verified host key of ``target``'s host over the run's one SSH connection
        (HostKeyChanged or an inconclusive UnknownHostKey otherwise); sends no credential."""
        session = self._services.ssh_connection(self, target)
        key = session.host_key
        now = time.time()
        self.log.add_wire(
            Wire.bounded(
                "ssh",
                session.endpoints[0],
                session.endpoints[1],
                "host key",
                b"",
                f"{key.fingerprint} (matched: {'; '.join(key.sources)})".encode(),
                now,
                now,
            )
        )
        return key

    @property
    def vulnerabilities(self) -> Matcher:
        """The run's matcher over the imported vulnerability feeds (``scanner feed import``);
        Inconclusive when the run has none (no store)."""
        matcher = self._services.vulnerabilities
        if matcher is None:
            raise Inconclusive("no vulnerability feeds: this run has no store to read them from")
        return matcher

    def onsite_twin(self, address: str) -> OnsiteTarget | None:
        """The on-site asset of this run at ``address``, when the run audits on site: its
        installed packages (through :meth:`ssh_run`, once per host and run) settle what a
        remote check inferred from a banner."""
        twin = self._services.onsite_twin(address)
        if twin is None:
            return None
        return replace(twin, address=address)

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
