"""The capped socket: reads end at the allowance and at the deadline, as the end of the stream,
with the reason kept for the caller; the allowance grows and shrinks with what is asked."""

from __future__ import annotations

import socket
import time

import pytest

from scanner.core.errors import TransportTimeout
from scanner.transport.capped import CHUNK, CappedSocket, ReadCapExceeded


def pair(limit: int, deadline: float | None = None) -> tuple[CappedSocket, socket.socket]:
    ours, theirs = socket.socketpair()
    ours.settimeout(1.0)
    return CappedSocket(ours, limit, deadline), theirs


def test_reads_stop_at_the_allowance_as_the_end_of_the_stream() -> None:
    capped, peer = pair(10)
    with peer:
        peer.sendall(b"x" * 100)
        got = b""
        while chunk := capped.recv(1 << 31):  # asking for 2 GiB reads at most what is allowed
            got += chunk
        assert got == b"x" * 10 and capped.read == 10
        assert isinstance(capped.stopped, ReadCapExceeded)
        assert capped.recv(1) == b""  # and stays ended
    capped.close()


def test_one_read_is_never_larger_than_a_chunk() -> None:
    capped, peer = pair(1 << 20)
    with peer:
        peer.sendall(b"y" * (CHUNK * 2))
        time.sleep(0.05)
        assert len(capped.recv(1 << 31)) <= CHUNK
    capped.close()


def test_reads_end_at_the_deadline_even_when_data_keeps_coming() -> None:
    capped, peer = pair(1 << 20, time.monotonic() - 1)
    with peer:
        peer.sendall(b"z")
        assert capped.recv(10) == b""
        assert isinstance(capped.stopped, TransportTimeout)
    capped.close()


def test_the_allowance_grows_for_a_request_and_expires_after_it() -> None:
    capped, peer = pair(4)
    with peer:
        capped.allow(6)
        peer.sendall(b"a" * 8)
        time.sleep(0.05)
        assert capped.recv(100) == b"a" * 8  # 4 + 6 allowed
        capped.rebase(1)  # nothing asked now: one more byte, then the end
        peer.sendall(b"bb")
        time.sleep(0.05)
        assert capped.recv(100) == b"b"
        assert capped.recv(100) == b"" and isinstance(capped.stopped, ReadCapExceeded)
    capped.close()


def test_explained_raises_why_reads_stopped_in_place_of_the_librarys_view() -> None:
    capped, peer = pair(0)
    with peer:
        assert capped.recv(1) == b""
        with pytest.raises(ReadCapExceeded) as raised, capped.explained():
            raise EOFError  # what paramiko makes of the end of the stream
        assert isinstance(raised.value.__cause__, EOFError)
    capped.close()
    other, peer = pair(10)
    with peer, pytest.raises(EOFError), other.explained():  # reads never stopped: untouched
        raise EOFError
    other.close()
