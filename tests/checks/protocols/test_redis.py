"""checks.protocols.redis against replies recorded from the lab's Redis servers."""

from __future__ import annotations

import pytest

from checks.protocols import redis
from scanner.api import Inconclusive
from tests.checks.protocols import recorded
from tests.checks.protocols.peer import answering


def test_commands_are_resp_arrays_of_bulk_strings() -> None:
    assert redis.PING == b"*1\r\n$4\r\nPING\r\n"
    assert redis.command("AUTH", "pässword") == b"*2\r\n$4\r\nAUTH\r\n$9\r\np\xc3\xa4ssword\r\n"


def test_recorded_replies() -> None:
    with answering(recorded.REDIS_PING_ANSWER) as peer:
        assert redis.reply_line(peer.conn) == b"+PONG\r\n"
        assert peer.sent() == b""
    with answering(recorded.REDIS_NOAUTH_ANSWER) as peer:
        assert redis.reply_line(peer.conn).startswith(b"-NOAUTH")


def test_an_endless_line_is_capped_and_a_close_inconclusive() -> None:
    with answering(b"+" + b"x" * 100000) as peer:
        assert len(redis.reply_line(peer.conn)) == redis.MAX_LINE
    with answering(b"") as peer, pytest.raises(Inconclusive):
        redis.reply_line(peer.conn)
