"""Evidence as data: the raw exchanges behind an attempt, and the hash chain over a run's attempts.

A check's transports (TCP and UDP sockets, HTTP requests, SSH commands) write what they send and
receive into the :class:`ExchangeLog` of the attempt they serve. The log keeps at most
:data:`EXCHANGE_LIMIT` bytes per attempt, all exchanges together, and says where it cut
(``sent_total`` and ``received_total`` count what really passed). When the attempt ends the log
is frozen into :class:`Exchange` records, with every secret the run knows of and every secret a
pattern recognises replaced by ``***`` (:func:`scanner.core.secrets.scrub`), so the store and
evidence bundles never hold a credential.

The chain: each stored attempt has a canonical record (its columns, its findings, the digests
of its exchanges' bytes) and the SHA-256 of that record, its *digest*. A run's attempts are
chained in the order they are stored, ``head_n = SHA-256(head_(n-1) || digest_n)`` from a
genesis value naming the run, so editing, removing or reordering a stored attempt changes every
head after it. The functions here are pure: the store chains as it writes, the evidence service
recomputes.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.core.secrets import scrub

#: Bytes kept per attempt, all its exchanges and both directions together.
EXCHANGE_LIMIT = 64 << 10
#: Exchanges kept per attempt (a check opening a thousand connections keeps the first ones).
MAX_EXCHANGES = 256
#: What the digests of a canonical attempt record and the chain's genesis begin with.
ATTEMPT_DOMAIN = b"scanner-attempt-v1\n"
CHAIN_DOMAIN = b"scanner-evidence-chain-v1\n"


@dataclass(frozen=True, slots=True)
class Exchange:
    """One exchange with a target, as kept for evidence (bounded, secrets replaced).

    Attributes:
        kind: ``tcp``, ``udp``, ``http`` or ``ssh``.
        source: the scanning machine's address and port (``127.0.0.1:40312``).
        destination: the target's address and port.
        started_at / ended_at: wall-clock seconds since the epoch (the scanning machine's clock).
        label: what it was: ``GET https://host/.env``, the command run; empty for a socket.
        sent / received: the bytes kept of each direction (HTTP: the request and the response
            as parsed, the body decoded; SSH: the command, then its stdout and stderr).
        sent_total / received_total: how many bytes passed in each direction.
        cut: True when the log kept less than passed (the cut is at the end of what is kept;
            replaced secrets also change the lengths, so compare with this, not the totals).
        turns: the order of the conversation: (``>`` sent or ``<`` received, bytes kept), so
            the two streams can be interleaved again.
    """

    kind: str
    source: str
    destination: str
    started_at: float
    ended_at: float
    label: str
    sent: bytes
    received: bytes
    sent_total: int
    received_total: int
    turns: tuple[tuple[str, int], ...] = ()
    cut: bool = False

    def record(self, seq: int) -> dict[str, Any]:
        """This exchange in an attempt's canonical record: metadata and the bytes' digests."""
        return {
            "seq": seq,
            "kind": self.kind,
            "source": self.source,
            "destination": self.destination,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "label": self.label,
            "sent_sha256": sha256_hex(self.sent),
            "received_sha256": sha256_hex(self.received),
            "sent_total": self.sent_total,
            "received_total": self.received_total,
            "cut": self.cut,
            "turns": [list(t) for t in self.turns],
        }


@dataclass(frozen=True, slots=True)
class Wire:
    """A whole exchange as a transport saw it, before any log kept it (raw, not yet scrubbed):
    what an HTTP response or an SSH command result carries, so that every check handed the
    same shared response records it in its own attempt's log.

    Attributes:
        kind / source / destination / label: as in :class:`Exchange`.
        sent / received: the raw bytes, at most :data:`EXCHANGE_LIMIT` of each (no log keeps
            more; a cached response need not hold a second copy of its whole body).
        started_at / ended_at: wall-clock seconds since the epoch.
        sent_total / received_total: the bytes that passed, when more than ``sent`` and
            ``received`` hold (else their lengths).
    """

    kind: str
    source: str
    destination: str
    label: str
    sent: bytes
    received: bytes
    started_at: float
    ended_at: float
    sent_total: int = 0
    received_total: int = 0

    @classmethod
    def bounded(
        cls,
        kind: str,
        source: str,
        destination: str,
        label: str,
        sent: bytes,
        received: bytes,
        started_at: float,
        ended_at: float,
    ) -> Wire:
        """A wire keeping at most :data:`EXCHANGE_LIMIT` bytes of each direction, with the
        totals of what passed."""
        return cls(
            kind,
            source,
            destination,
            label,
            sent[:EXCHANGE_LIMIT],
            received[:EXCHANGE_LIMIT],
            started_at,
            ended_at,
            len(sent),
            len(received),
        )


def endpoint(address: object) -> str:
    """A socket address as ``host:port`` (``[v6]:port``); anything else as text."""
    if isinstance(address, tuple) and len(address) >= 2:
        host, port = str(address[0]), address[1]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return str(address)


class OpenExchange:
    """An exchange being recorded (a handle of :class:`ExchangeLog`)."""

    __slots__ = (
        "destination",
        "ended",
        "kind",
        "label",
        "received",
        "rtotal",
        "sent",
        "source",
        "started",
        "stotal",
        "turns",
    )

    def __init__(self, kind: str, source: str, destination: str, label: str) -> None:
        self.kind, self.source, self.destination, self.label = kind, source, destination, label
        self.started = self.ended = time.time()
        self.sent, self.received = bytearray(), bytearray()
        self.stotal = self.rtotal = 0
        self.turns: list[list[Any]] = []


class ExchangeLog:
    """What one attempt sent and received, bounded; shared by the threads of its transports.

    Handles returned by :meth:`open` are written with :meth:`sent` and :meth:`received`; a
    whole exchange (an HTTP request and response, an SSH command) is added with :meth:`add`.
    Past :data:`EXCHANGE_LIMIT` bytes only the totals grow.
    """

    def __init__(self, limit: int = EXCHANGE_LIMIT, max_exchanges: int = MAX_EXCHANGES) -> None:
        self._limit = limit
        self._left = limit
        self._max = max_exchanges
        self._open: list[OpenExchange] = []
        self._dropped = 0
        self._lock = threading.Lock()

    @property
    def dropped(self) -> int:
        """Exchanges not kept at all (past :data:`MAX_EXCHANGES`)."""
        return self._dropped

    def open(
        self, kind: str, source: str, destination: str, label: str = ""
    ) -> OpenExchange | None:
        """Start recording an exchange; None when the log keeps no more exchanges."""
        with self._lock:
            if len(self._open) >= self._max:
                self._dropped += 1
                return None
            handle = OpenExchange(kind, source, destination, label)
            self._open.append(handle)
            return handle

    def sent(self, handle: OpenExchange | None, data: bytes) -> None:
        """``data`` went to the target on ``handle``."""
        self._write(handle, ">", data)

    def received(self, handle: OpenExchange | None, data: bytes) -> None:
        """``data`` came from the target on ``handle``."""
        self._write(handle, "<", data)

    def _write(
        self, handle: OpenExchange | None, direction: str, data: bytes, total: int = 0
    ) -> None:
        """Keep what the budget allows of ``data``; ``total``: the bytes that passed, when
        more than ``data`` holds (a wire cut by its transport)."""
        if handle is None or not (data or total):
            return
        with self._lock:
            keep = data[: self._left]
            self._left -= len(keep)
            passed = max(total, len(data))
            if direction == ">":
                handle.sent += keep
                handle.stotal += passed
            else:
                handle.received += keep
                handle.rtotal += passed
            if keep:
                if handle.turns and handle.turns[-1][0] == direction:
                    handle.turns[-1][1] += len(keep)
                else:
                    handle.turns.append([direction, len(keep)])
            handle.ended = time.time()

    def add(
        self,
        kind: str,
        source: str,
        destination: str,
        label: str,
        sent: bytes,
        received: bytes,
        *,
        started_at: float | None = None,
        ended_at: float | None = None,
    ) -> None:
        """Record a whole exchange: ``sent``, then ``received``."""
        handle = self.open(kind, source, destination, label)
        if handle is None:
            return
        if started_at is not None:
            handle.started = started_at
        self.sent(handle, sent)
        self.received(handle, received)
        handle.ended = ended_at if ended_at is not None else time.time()

    def add_wire(self, wire: Wire) -> None:
        """Record an exchange a transport handed over whole."""
        handle = self.open(wire.kind, wire.source, wire.destination, wire.label)
        if handle is None:
            return
        handle.started = wire.started_at
        self._write(handle, ">", wire.sent, wire.sent_total)
        self._write(handle, "<", wire.received, wire.received_total)
        handle.ended = wire.ended_at

    def exchanges(self, known: Iterable[str] = ()) -> tuple[Exchange, ...]:
        """The exchanges recorded so far, secrets replaced (``known``: the run's own)."""
        secrets = tuple(known)
        with self._lock:
            handles = list(self._open)
            return tuple(_frozen(h, secrets) for h in handles)


def _frozen(handle: OpenExchange, known: Sequence[str]) -> Exchange:
    sent_cut, received_cut = handle.stotal > len(handle.sent), handle.rtotal > len(handle.received)
    sent = _scrubbed(bytes(handle.sent), known, cut=sent_cut)
    received = _scrubbed(bytes(handle.received), known, cut=received_cut)
    turns = [(str(d), int(n)) for d, n in handle.turns]
    if len(sent) != len(handle.sent) or len(received) != len(handle.received):
        turns = _rescaled(turns, len(sent), len(received))  # masks change lengths
    return Exchange(
        kind=handle.kind,
        source=handle.source,
        destination=handle.destination,
        started_at=handle.started,
        ended_at=handle.ended,
        label=scrub(handle.label.encode(), known).decode("utf-8", "replace"),
        sent=sent,
        received=received,
        sent_total=handle.stotal,
        received_total=handle.rtotal,
        turns=tuple(turns),
        cut=sent_cut or received_cut,
    )


def _scrubbed(data: bytes, known: Sequence[str], *, cut: bool) -> bytes:
    """``data`` scrubbed; when the log cut it, a known secret's beginning at the very end (the
    rest fell past the cut) is replaced too."""
    data = scrub(data, known)
    if cut:
        for secret in known:
            raw = secret.encode()
            for size in range(min(len(raw) - 1, len(data)), 0, -1):
                if data.endswith(raw[:size]):
                    data = data[:-size] + b"***"
                    break
    return data


def _rescaled(turns: list[tuple[str, int]], sent: int, received: int) -> list[tuple[str, int]]:
    """Turn lengths adjusted so each direction's turns add up to its scrubbed length (the last
    turn of a direction absorbs the difference)."""
    sizes = [n for _, n in turns]
    for direction, total in ((">", sent), ("<", received)):
        mine = [i for i, (d, _) in enumerate(turns) if d == direction]
        if mine:
            last = mine[-1]
            sizes[last] = max(0, sizes[last] + total - sum(sizes[i] for i in mine))
    return [(d, n) for (d, _), n in zip(turns, sizes, strict=True)]


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data``, in hex."""
    return hashlib.sha256(data).hexdigest()


def canonical(value: Any) -> bytes:
    """``value`` as canonical JSON: sorted keys, no whitespace, UTF-8 (what is hashed; a NaN
    a check put in a detail is written ``NaN``, as the store's JSON columns write it)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def attempt_digest(record: Mapping[str, Any]) -> str:
    """The digest of an attempt's canonical record (see the module docstring)."""
    return hashlib.sha256(ATTEMPT_DOMAIN + canonical(dict(record))).hexdigest()


def chain_genesis(run_id: int) -> str:
    """The head of run ``run_id``'s chain before its first attempt."""
    return hashlib.sha256(CHAIN_DOMAIN + str(run_id).encode()).hexdigest()


def chain_link(previous: str, digest: str) -> str:
    """The head after ``digest`` is appended to a chain whose head is ``previous``."""
    return hashlib.sha256(bytes.fromhex(previous) + bytes.fromhex(digest)).hexdigest()


def chain_heads(run_id: int, digests: Iterable[str]) -> list[str]:
    """Every head of run ``run_id``'s chain over ``digests`` in order."""
    head, heads = chain_genesis(run_id), []
    for digest in digests:
        head = chain_link(head, digest)
        heads.append(head)
    return heads
