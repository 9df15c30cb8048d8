"""A scripted peer for the protocol tests: a real :class:`scanner.api.Connection` over a socket
pair whose far end has already sent the bytes a test chooses (then closed, or stays silent)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from scanner.api import Connection


@dataclass
class Peer:
    """The client's connection and the far end (to read what the client sent)."""

    conn: Connection
    far: socket.socket

    def sent(self) -> bytes:
        """Everything the client has sent so far."""
        self.far.settimeout(0.2)
        data = b""
        try:
            while chunk := self.far.recv(65536):
                data += chunk
        except TimeoutError:
            pass
        return data


@contextmanager
def answering(
    data: bytes, *, close: bool = True, seconds: float = 5.0, read_limit: int = 1 << 20
) -> Iterator[Peer]:
    """A connection whose peer has sent ``data``, then closed its side (``close``) or not."""
    near, far = socket.socketpair()

    def speak() -> None:  # in a thread: a large answer fills the socket buffer
        try:
            far.sendall(data)
            if close:
                far.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the client stopped reading and closed: what a real peer would see too

    speaker = threading.Thread(target=speak, daemon=True)
    speaker.start()
    try:
        yield Peer(Connection(near, time.monotonic() + seconds, read_limit), far)
    finally:
        near.close()
        speaker.join(2)
        far.close()
