"""Reading framed answers from a target: exact-size reads and the first answer of a service.

Binary protocols announce a length, then send that many bytes. A hostile peer may send fewer,
drip them, reset the connection part-way or fall silent; these helpers make each of those end
within one per-answer wait (always also bounded by the check's deadline) and tell the check's
outcomes apart: silence is inconclusive, the deadline passing is not the peer's silence.
"""

from __future__ import annotations

import time

from scanner.api import Connection, DeadlineExceeded, Inconclusive

#: Seconds to wait for one answer; always also bounded by the check's deadline.
WAIT = 5.0


def read_exact(conn: Connection, size: int, wait: float = WAIT) -> bytes:
    """Up to ``size`` bytes: fewer only when the peer closes. TimeoutError when it goes quiet
    before anything arrived; what arrived is returned when it goes quiet part-way."""
    data = b""
    while len(data) < size:
        try:
            chunk = conn.recv(size - len(data), timeout=wait)
        except (TimeoutError, ConnectionError):
            if not data:  # a reset after some bytes (e.g. a daemon rejecting us) ends the read
                raise
            break
        if not chunk:
            break
        data += chunk
    return data


def read_answer(conn: Connection, size: int, what: str, wait: float = WAIT) -> bytes:
    """The first ``size`` bytes of an answer to ``what``; Inconclusive on silence or an
    immediate close (fewer bytes when the peer closes or goes quiet part-way)."""
    try:
        data = read_exact(conn, size, wait)
    except TimeoutError:
        if time.monotonic() >= conn.deadline:  # the deadline passing is not the peer's silence
            raise DeadlineExceeded("the check's deadline passed") from None
        raise Inconclusive(f"no answer to {what} within {wait:.0f} s") from None
    if not data:
        raise Inconclusive(f"the service closed the connection without answering {what}")
    return data


def read_more(conn: Connection, seconds: float = 0.2) -> bytes | None:
    """Whatever else arrives within ``seconds`` (at most 64 bytes); None if the peer resets."""
    try:
        return conn.recv_for(seconds, max_bytes=64)
    except ConnectionError:
        return None


def read_until(conn: Connection, marker: bytes, max_bytes: int, wait: float = WAIT) -> bytes:
    """Read until ``marker``, ``max_bytes``, the peer closing or going quiet for ``wait`` seconds
    (TimeoutError when nothing came at all); a reset after some bytes ends the read too."""
    data = b""
    while len(data) < max_bytes and marker not in data:
        try:
            chunk = conn.recv(max_bytes - len(data), timeout=wait)
        except (TimeoutError, ConnectionError):
            if time.monotonic() >= conn.deadline:
                raise DeadlineExceeded("the check's deadline passed") from None
            if data:
                break
            raise
        if not chunk:
            break
        data += chunk
    return data


def cstr(data: bytes, pos: int) -> tuple[str, int]:
    """The NUL-terminated string at ``pos`` (to the end when unterminated), and the position
    after its NUL (past the end when unterminated)."""
    end = data.find(b"\x00", pos)
    if end < 0:
        end = len(data)
    return data[pos:end].decode("utf-8", "replace"), end + 1
