"""A byte-counting socket for a library that reads the raw socket itself (paramiko).

:class:`~scanner.transport.net.Connection` caps what a check reads, but paramiko reads the socket
in its own thread, trusting the lengths the peer announces: a peer that announces a 2 GiB packet
and streams, or sends a banner line without end, makes it buffer all of it. Handed a
:class:`CappedSocket`, the library reads at most the allowance, in small reads, and never after
the deadline: past either, ``recv`` returns ``b""``, the end of the stream, which every reader of
a socket handles by giving up. :attr:`CappedSocket.stopped` then says why, so the caller raises
that (a connectivity error or a timeout) instead of whatever the library made of the end.

The allowance can grow (:meth:`CappedSocket.allow`) as the caller asks the peer for more, and be
reset to a small margin over what was read (:meth:`CappedSocket.rebase`) when nothing is asked.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scanner.core.errors import TransportError, TransportTimeout

#: The largest single read handed to the real socket: ``recv(n)`` allocates ``n`` bytes first,
#: and paramiko asks for the whole announced packet at once.
CHUNK = 65536


class ReadCapExceeded(TransportError):
    """The peer sent more than the allowance: it was cut off (a ``connectivity`` error)."""


class CappedSocket:
    """A connected socket whose reads are counted against an allowance and end at a deadline.

    Attributes:
        read: bytes read so far.
        limit: the total the peer may send (``read`` never passes it).
        deadline: when reads end (monotonic), or None for none.
        stopped: why reads ended (ReadCapExceeded or TransportTimeout), else None.
    """

    def __init__(
        self, sock: socket.socket, limit: int, deadline: float | None, *, what: str = "peer"
    ) -> None:
        self._sock = sock
        self._what = what
        self._lock = threading.Lock()
        self._timeout: float | None = sock.gettimeout()
        self.read = 0
        self.limit = limit
        self.deadline = deadline
        self.stopped: TransportError | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)  # fileno, getpeername, _closed...: the real socket's

    def allow(self, nbytes: int) -> None:
        """Let the peer send ``nbytes`` more (the caller asked it for something)."""
        with self._lock:
            self.limit += nbytes

    def rebase(self, margin: int) -> None:
        """Nothing is asked of the peer now: it may send ``margin`` more bytes, and no more."""
        with self._lock:
            self.limit = self.read + margin

    @contextmanager
    def explained(self) -> Iterator[None]:
        """Inside the block, a failure after reads stopped is raised as why they stopped (the
        library only saw the stream end: an EOFError, a "Negotiation failed")."""
        try:
            yield
        except Exception as exc:
            if self.stopped is None:
                raise
            raise self.stopped from exc

    def settimeout(self, value: float | None) -> None:
        self._timeout = value
        self._sock.settimeout(value)

    def gettimeout(self) -> float | None:
        return self._timeout

    def recv(self, size: int, flags: int = 0) -> bytes:
        """At most ``size`` bytes and what is left of the allowance; ``b""`` once the allowance
        is spent or the deadline has passed (see :attr:`stopped`)."""
        allowed = self._allowed()
        if allowed <= 0:
            return b""
        if self.deadline is not None:
            left = max(0.001, self.deadline - time.monotonic())
            self._sock.settimeout(left if self._timeout is None else min(left, self._timeout))
        data = self._sock.recv(min(size, allowed, CHUNK), flags)
        with self._lock:
            self.read += len(data)
        return data

    def _allowed(self) -> int:
        """Bytes the next read may take; 0 (and :attr:`stopped` set) when reads are over."""
        with self._lock:
            ended = self.deadline is not None and time.monotonic() >= self.deadline
            if self.stopped is None and ended:
                self.stopped = TransportTimeout(
                    f"the {self._what} had not finished by the check's deadline "
                    f"({self.read} bytes read)"
                )
            if self.stopped is None and self.read >= self.limit:
                self.stopped = ReadCapExceeded(
                    f"the {self._what} sent more than the {self.limit} bytes allowed; "
                    "the connection was cut off"
                )
            return 0 if self.stopped is not None else self.limit - self.read

    def send(self, data: bytes, flags: int = 0) -> int:
        return self._sock.send(data, flags)

    def sendall(self, data: bytes, flags: int = 0) -> None:
        self._sock.sendall(data, flags)

    def close(self) -> None:
        self._sock.close()
