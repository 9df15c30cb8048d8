"""checks.protocols.postgres against bytes recorded from the lab's PostgreSQL and built from the
protocol's spec (frontend/backend protocol 3.0)."""

from __future__ import annotations

import struct

import pytest

from checks.protocols import postgres
from scanner.api import Inconclusive
from tests.checks.protocols import recorded
from tests.checks.protocols.peer import answering


def test_startup_message_follows_the_spec() -> None:
    message = postgres.startup_message("scanner")
    length, version = struct.unpack(">II", message[:8])
    assert length == len(message) and version == 196608
    assert message[8:].split(b"\x00")[:4] == [b"user", b"scanner", b"database", b"scanner"]
    assert message.endswith(b"\x00\x00")


def test_recorded_answers_of_a_real_server() -> None:
    assert recorded.PG_SSL_ANSWER == b"N"
    with answering(recorded.PG_STARTUP_ANSWER) as peer:
        answer, confirmed = postgres.startup(peer.conn, "scanner")
        assert peer.sent() == postgres.startup_message("scanner")
    assert (answer, confirmed) == ("password requested (SASL: SCRAM-SHA-256)", True)


def test_trust_is_terminated_at_once() -> None:
    with answering(b"R" + struct.pack(">II", 8, 0)) as peer:
        assert postgres.startup(peer.conn, "scanner") == (postgres.AUTH_REQUESTS[0], True)
        assert peer.sent().endswith(postgres.TERMINATE)


def test_error_response() -> None:
    body = b"SFATAL\x00VFATAL\x00C28000\x00Mno pg_hba.conf entry\x00\x00"
    with answering(b"E" + struct.pack(">I", 4 + len(body)) + body) as peer:
        answer, confirmed = postgres.startup(peer.conn, "scanner")
    assert confirmed and answer == "refused: FATAL 28000: no pg_hba.conf entry"


@pytest.mark.parametrize(
    "head",
    [
        b"R" + struct.pack(">I", 0xFFFFFFFF),  # absurd length
        b"R" + struct.pack(">I", 3),  # shorter than its own length field
        b"SSH-2.0-OpenSSH",  # another protocol
    ],
)
def test_implausible_messages_are_not_postgresql(head: bytes) -> None:
    with answering(head) as peer:
        kind, _ = postgres.read_message(peer.conn)
    assert kind == b""
    assert postgres.describe(kind, head)[1] is False


def test_truncated_and_capped_bodies() -> None:
    with answering(b"R\x00\x00") as peer, pytest.raises(Inconclusive, match="truncated"):
        postgres.read_message(peer.conn)
    big = b"E" + struct.pack(">I", 1 << 20) + b"M" * (1 << 20)
    with answering(big) as peer:
        kind, body = postgres.read_message(peer.conn)
    assert kind == b"E" and len(body) == postgres.MAX_BODY
