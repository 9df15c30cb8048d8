"""Bounded sockets for checks: every read capped in bytes, every wait capped by the deadline.

A hostile target may send megabytes, nothing at all, or one byte a second. :class:`Connection`
makes each of those cost at most the check's deadline and a fixed amount of memory. Given an
:class:`~scanner.core.evidence.ExchangeLog`, a connection and a UDP exchange write what they
send and receive into it (the evidence of the attempt they serve).
"""

from __future__ import annotations

import socket
import time
from types import TracebackType

from scanner.core.errors import EndpointStalled
from scanner.core.evidence import ExchangeLog, OpenExchange, endpoint

#: Default cap on everything read from one connection.
READ_LIMIT = 1 << 20


class DeadlineExceeded(TimeoutError):
    """The check's deadline passed while waiting on the target."""


class DeadlineStall(EndpointStalled, DeadlineExceeded):
    """The deadline passed while the endpoint kept the check waiting: a stall (the run
    remembers the endpoint) and the deadline passing (what protocol code tells from silence)."""


def remaining(deadline: float) -> float:
    """Seconds left until ``deadline`` (monotonic); raises DeadlineExceeded when none are."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded("the check's deadline passed")
    return left


class Connection:
    """A TCP connection whose reads are capped in size and time."""

    def __init__(
        self,
        sock: socket.socket,
        deadline: float,
        read_limit: int = READ_LIMIT,
        log: ExchangeLog | None = None,
    ) -> None:
        self.sock = sock
        self.deadline = deadline
        self.read_left = read_limit
        self.peer = sock.getpeername()
        self._log = log
        self._handle: OpenExchange | None = None  # opened on the first byte: a socket handed on
        # to another library (paramiko) shows no empty exchange

    def _exchange(self) -> OpenExchange | None:
        if self._handle is None and self._log is not None:
            self._handle = self._log.open(
                "tcp", endpoint(self.sock.getsockname()), endpoint(self.peer)
            )
        return self._handle

    def __enter__(self) -> Connection:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the socket; safe to call twice."""
        self.sock.close()

    def send(self, data: bytes) -> None:
        """Send all of ``data`` before the deadline."""
        self.sock.settimeout(remaining(self.deadline))
        self.sock.sendall(data)
        if self._log is not None:
            self._log.sent(self._exchange(), data)

    def recv(self, max_bytes: int = 4096, timeout: float | None = None) -> bytes:
        """One read of at most ``max_bytes``; ``b""`` at end of stream or when the cap is spent.

        Raises TimeoutError when nothing arrives within ``timeout`` (or the deadline).
        """
        size = min(max_bytes, self.read_left)
        if size <= 0:
            return b""
        try:
            wait = remaining(self.deadline)
        except TimeoutError:  # the deadline passed mid-conversation: a drip
            raise self._stalled("the deadline passed while it was still sending") from None
        deadline_bound = timeout is None or wait <= timeout
        self.sock.settimeout(wait if deadline_bound else timeout)
        try:
            data = self.sock.recv(size)
        except TimeoutError:
            if deadline_bound:  # silent until the deadline, not just past a probe's own wait
                raise self._stalled(f"nothing arrived for {wait:.1f} s") from None
            raise
        self.read_left -= len(data)
        if self._log is not None:
            self._log.received(self._exchange(), data)
        return data

    def _stalled(self, what: str) -> EndpointStalled:
        peer = self.peer if isinstance(self.peer, tuple) else (str(self.peer), 0)  # AF_UNIX: a str
        address, port = str(peer[0]), int(peer[1])
        return DeadlineStall(
            f"{address} port {port} stalled: {what}",
            endpoint=(address, port),
            origin="TimeoutError",
        )

    def recv_until(self, marker: bytes, max_bytes: int = 65536) -> bytes:
        """Read until ``marker`` is seen, ``max_bytes`` are read, the stream ends, or time runs out.

        A slow drip ends at the deadline with TimeoutError; an endless stream ends at
        ``max_bytes``. What was read is returned, marker included when seen.
        """
        buf = bytearray()
        while len(buf) < max_bytes:
            chunk = self.recv(max_bytes - len(buf))
            if not chunk:
                break
            buf += chunk
            if marker in buf:
                break
        return bytes(buf)

    def recv_for(self, seconds: float, max_bytes: int = 65536) -> bytes:
        """Everything arriving within ``seconds`` (bounded by the deadline), up to ``max_bytes``.

        For services that speak first (banners, telnet negotiation): returns what came, possibly
        ``b""``, without raising on silence.
        """
        end = min(time.monotonic() + seconds, self.deadline)
        buf = bytearray()
        while len(buf) < max_bytes:
            left = end - time.monotonic()
            if left <= 0:
                break
            try:
                chunk = self.recv(max_bytes - len(buf), timeout=left)
            except TimeoutError:
                break
            if not chunk:
                break
            buf += chunk
        return bytes(buf)


def open_tcp(address: str, port: int, deadline: float, timeout: float = 10.0) -> socket.socket:
    """Connect to ``address:port`` (an already scope-checked IP) before the deadline."""
    return socket.create_connection((address, port), timeout=min(timeout, remaining(deadline)))


def udp_exchange(
    address: str,
    port: int,
    payload: bytes,
    deadline: float,
    timeout: float = 3.0,
    max_bytes: int = 65535,
    log: ExchangeLog | None = None,
) -> bytes:
    """Send one datagram and return the first reply; TimeoutError when none comes in time."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(min(timeout, remaining(deadline)))
        sock.connect((address, port))
        handle = (
            log.open("udp", endpoint(sock.getsockname()), endpoint(sock.getpeername()))
            if log is not None
            else None
        )
        sock.send(payload)
        if log is not None:
            log.sent(handle, payload)
        reply = sock.recv(max_bytes)
        if log is not None:
            log.received(handle, reply)
        return reply
