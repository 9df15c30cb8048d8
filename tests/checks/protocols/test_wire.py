"""checks.protocols.wire: exact reads, first answers, and their bounds in bytes and time."""

from __future__ import annotations

import time

import pytest

from checks.protocols.wire import cstr, read_answer, read_exact, read_more, read_until
from scanner.api import DeadlineExceeded, Inconclusive
from tests.checks.protocols.peer import answering


def test_read_exact_reads_what_was_asked_and_no_more() -> None:
    with answering(b"abcdef") as peer:
        assert read_exact(peer.conn, 4) == b"abcd"
        assert read_exact(peer.conn, 10) == b"ef"  # fewer only because the peer closed


def test_read_exact_returns_a_partial_answer_when_the_peer_goes_quiet() -> None:
    with answering(b"ab", close=False) as peer:
        started = time.monotonic()
        assert read_exact(peer.conn, 100, wait=0.2) == b"ab"
        assert time.monotonic() - started < 1


def test_silence_is_inconclusive_within_the_wait() -> None:
    with answering(b"", close=False) as peer:
        started = time.monotonic()
        with pytest.raises(Inconclusive, match="no answer to the probe within 0 s"):
            read_answer(peer.conn, 4, "the probe", wait=0.2)
        assert time.monotonic() - started < 1


def test_the_deadline_passing_is_not_silence() -> None:
    with answering(b"", close=False, seconds=0.2) as peer, pytest.raises(DeadlineExceeded):
        read_answer(peer.conn, 4, "the probe", wait=5)


def test_an_immediate_close_is_inconclusive() -> None:
    closed = pytest.raises(Inconclusive, match="closed the connection without answering")
    with answering(b"") as peer, closed:
        read_answer(peer.conn, 4, "the probe")


def test_read_limit_caps_an_endless_stream() -> None:
    with answering(b"x" * 10000, read_limit=100) as peer:
        assert len(read_until(peer.conn, b"\r\n\r\n", 65536)) == 100


def test_read_until_stops_at_the_marker_or_the_cap() -> None:
    with answering(b"head\r\n\r\nbody") as peer:
        assert read_until(peer.conn, b"\r\n\r\n", 1000).startswith(b"head\r\n\r\n")
    with answering(b"y" * 5000) as peer:
        assert len(read_until(peer.conn, b"\n", 64)) == 64


def test_read_more_returns_what_follows_bounded() -> None:
    with answering(b"z" * 1000) as peer:
        assert read_more(peer.conn) == b"z" * 64


def test_cstr_handles_an_unterminated_string() -> None:
    assert cstr(b"ab\x00cd", 0) == ("ab", 3)
    assert cstr(b"abc", 0) == ("abc", 4)  # past the end: the caller sees it was unterminated
