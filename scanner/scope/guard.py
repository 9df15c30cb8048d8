"""The scope guard: the one place that decides whether the scanner may touch an address.

Every outbound action passes through :class:`ScopeGuard`: nmap targets, sockets, HTTP requests
and each redirect hop, SSH logins. Deny entries win over allow entries. A DNS name is resolved
once per run and *every* address it resolves to is checked; connections then use those checked
addresses, so a second lookup cannot point the scanner elsewhere. Refusals are recorded through
the ``on_refusal`` callback (the run stores them) and raised as :class:`OutOfScope`.

Verdicts are on what a string reaches, not on how it is spelled: addresses are read the way the
C library reads them and judged as the IPv4 address they embed (:mod:`scanner.scope.addresses`),
names are matched in their IDNA/UTS-46 form (:mod:`scanner.scope.names`). Every answer of an
allowed name must lie in an allowed range too, unless the inventory lists the name in
``scope.resolve_anywhere``; loopback, link-local and metadata addresses are refused unless an
allowed range inside them names them.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from scanner.core.models import Refusal, is_ip
from scanner.scope.addresses import (
    Network,
    forms,
    inside,
    normalized_network,
    parse_literal,
    reached,
    reserved_problem,
    unconsented_reserved,
)
from scanner.scope.names import BadName, normalized, normalized_pattern

Resolver = Callable[[str], list[str]]


class OutOfScope(Exception):
    """The scope guard refused an action; the message names the target and the rule."""


class Unresolvable(Exception):
    """A DNS name did not resolve; nothing was contacted."""


def system_resolver(name: str) -> list[str]:
    """All addresses the system resolver gives for ``name`` (A and AAAA), in order, unique."""
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolvable(f"{name} does not resolve ({exc})") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _system_lookup(name: str) -> list[str]:
    return system_resolver(name)  # looked up at each call: tests replace the system resolver


class ScopeGuard:
    """Decides, records and enforces what is in scope for one run."""

    def __init__(
        self,
        allow: Iterable[str],
        deny: Iterable[str] = (),
        *,
        resolve_anywhere: Iterable[str] = (),
        resolver: Resolver | None = None,
        on_refusal: Callable[[Refusal], None] | None = None,
        resolved: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self._allow_nets, self._allow_names = _split(allow)
        self._deny_nets, self._deny_names = _split(deny)
        self._anywhere = {normalized_pattern(name) for name in resolve_anywhere}
        self._resolver = resolver or _system_lookup
        self._on_refusal = on_refusal
        # Each name is resolved once per run: ``resolved`` carries what the run resolved
        # before (preflight, the coordinator, the store), and is checked like a fresh answer.
        self._cache: dict[str, list[str]] = {
            normalized(name): list(addrs) for name, addrs in (resolved or {}).items() if addrs
        }
        self._lock = threading.Lock()

    def resolutions(self) -> dict[str, tuple[str, ...]]:
        """Every name resolved so far (in its normalized spelling) with its addresses, for the
        next stage of the run to reuse instead of asking DNS again."""
        with self._lock:
            return {name: tuple(addrs) for name, addrs in self._cache.items()}

    # -- verdicts -------------------------------------------------------------------------
    def address_problem(self, address: str) -> str | None:
        """Why ``address`` is out of scope, or None when it is in scope."""
        return self._denied(address) or self._not_allowed(address) or self._reserved(address)

    def _denied(self, address: str) -> str | None:
        ip = parse_literal(address)
        if ip is None:
            return f"{address!r} is not an IP address"
        for form in forms(ip):  # the address as written and the IPv4 address it carries
            net = next((net for net in self._deny_nets if form in net), None)
            if net:
                return f"{address} is in denied range {net}"
        return None

    def _reserved(self, address: str) -> str | None:
        ip = parse_literal(address)
        return reserved_problem(ip, self._allow_nets) if ip is not None else None

    def _not_allowed(self, address: str) -> str | None:
        ip = parse_literal(address)
        if ip is not None and any(reached(ip) in net for net in self._allow_nets):
            return None
        return f"{address} is not in any allowed range"

    def network_problem(self, cidr: str) -> str | None:
        """Why range ``cidr`` is out of scope (it must lie wholly inside one allowed range)."""
        net = ipaddress.ip_network(cidr, strict=False)
        if not any(inside(net, allowed) for allowed in self._allow_nets):
            return f"range {net} is not wholly inside an allowed range"
        # A range that overlaps a reserved block is swept with that block excluded; one that
        # lies wholly inside it would reach nothing allowed.
        part = next((p for p in unconsented_reserved(self._allow_nets) if inside(net, p)), None)
        if part is not None:
            return f"range {net} is reserved: {reserved_problem(net.network_address, [])}"
        return None

    def denied_networks(self) -> list[str]:
        """Denied ranges and the reserved blocks no allowed range names, for nmap's
        ``--exclude`` when a range is scanned."""
        nets = [*self._deny_nets, *unconsented_reserved(self._allow_nets)]
        return list(dict.fromkeys(str(net) for net in nets))

    def resolve(self, host: str, *, check_id: str = "", subject: str = "") -> list[str]:
        """Addresses of ``host`` (a name or literal address), every one of them in scope.

        Raises OutOfScope (recorded under ``subject``, default ``host``) if the name or any
        address is out of scope, and Unresolvable if a name has no address.
        """
        subject = subject or host
        literal = parse_literal(host)
        name = host if literal is not None else self._normalized(host, subject, check_id)
        literal = parse_literal(name)  # fullwidth digits normalize into an address, too
        if literal is not None:
            self._enforce(subject, self.address_problem(name), check_id)
            # Connect to what the checked spelling means, not to a form only libc reads (a
            # standard literal is kept as written: its zone id picks the interface).
            return [host if is_ip(host) else str(literal)]
        denied = next((p for p in self._deny_names if fnmatch.fnmatchcase(name, p)), None)
        if denied:
            self._enforce(subject, f"{host} matches denied name {denied}", check_id)
        with self._lock:
            addresses = self._cache.get(name)
        if addresses is None:
            addresses = self._resolver(name)
            if not addresses:
                raise Unresolvable(f"{host} resolves to no address")
            with self._lock:
                addresses = self._cache.setdefault(name, addresses)
        # Only a name the inventory lists in resolve_anywhere may resolve outside the allowed
        # ranges, and never into a denied or reserved one.
        named = name in self._anywhere and any(
            fnmatch.fnmatchcase(name, p) for p in self._allow_names
        )
        for address in addresses:
            problem = (
                self._denied(address)
                or (None if named else self._not_allowed(address))
                or self._reserved(address)
            )
            self._enforce(subject, problem and f"{host} resolves to {problem}", check_id)
        return list(addresses)

    def check_url(self, url: str, *, check_id: str = "") -> list[str]:
        """Addresses of the URL's host, all in scope (see :meth:`resolve`)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self._enforce(url, f"{url} is not an http(s) URL with a host", check_id)
        return self.resolve(str(parts.hostname), check_id=check_id, subject=url)

    def _normalized(self, host: str, subject: str, check_id: str) -> str:
        try:
            return normalized(host)
        except BadName as exc:
            self._enforce(subject, str(exc), check_id)
            raise  # not reached: _enforce raised OutOfScope

    def _enforce(self, target: str, problem: str | None, check_id: str) -> None:
        if problem is None:
            return
        if self._on_refusal is not None:
            self._on_refusal(
                Refusal(target=target, reason=problem, check_id=check_id, at=time.time())
            )
        raise OutOfScope(problem)


def _split(entries: Iterable[str]) -> tuple[list[Network], list[str]]:
    nets: list[Network] = []
    names: list[str] = []
    for entry in entries:
        try:
            nets.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.append(normalized_pattern(entry))
        else:
            nets[-1] = normalized_network(nets[-1])
    return nets, names
