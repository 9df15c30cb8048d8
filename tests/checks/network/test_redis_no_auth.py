"""net.redis-no-auth against the lab's real redis-server (no password vs requirepass), and a
fake one of this test's own on 127.77.5.1 whose INFO is renamed away."""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Iterator

import pytest

from checks.network.redis_no_auth import RedisNoAuth
from scanner.core.models import AttemptStatus, Severity
from tests.helpers import run_check, service_target
from tests.lab import lab

FAKE_ADDR = "127.77.5.1"


class _InfoRenamedAway(socketserver.BaseRequestHandler):
    """A Redis without a password whose INFO command was renamed (``rename-command INFO ""``):
    +PONG to PING, an error line to anything else, the connection kept open."""

    def handle(self) -> None:
        pending = b""
        while chunk := self.request.recv(4096):
            pending += chunk
            if pending.count(b"\r\n") < 3:  # "*1", "$4", "PING": one whole command
                continue
            words = pending.split(b"\r\n")
            command = words[2].upper()
            pending = b"\r\n".join(words[1 + 2 * int(words[0][1:]) :])
            if command == b"PING":
                self.request.sendall(b"+PONG\r\n")
            else:
                self.request.sendall(b"-ERR unknown command '" + command + b"'\r\n")


@pytest.fixture
def info_renamed_away() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer((FAKE_ADDR, 0), _InfoRenamedAway)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def test_info_renamed_away_still_fails_at_once(info_renamed_away: int) -> None:
    # The INFO reply is read by its RESP type: an error line ends it, no wait for the deadline.
    start = time.monotonic()
    attempt = run_check(RedisNoAuth, service_target(FAKE_ADDR, info_renamed_away, "redis"))
    assert time.monotonic() - start < 2
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.evidence == "PING answered +PONG without AUTH; INFO not readable"


@pytest.mark.lab
def test_weak_redis_answers_without_auth(lab_state: lab.LabState) -> None:
    attempt = run_check(RedisNoAuth, service_target(lab.WEAK_ADDR, 6379, "redis"))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.severity == Severity.CRITICAL
    assert finding.location == "6379/tcp"
    assert finding.evidence.startswith("PING answered +PONG without AUTH; redis_version:")
    assert "redis_version" in finding.detail


@pytest.mark.lab
def test_hardened_redis_requires_auth(lab_state: lab.LabState) -> None:
    attempt = run_check(RedisNoAuth, service_target(lab.HARDENED_ADDR, 6379, "redis"))
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert attempt.findings == ()


@pytest.mark.lab
def test_non_redis_service_is_not_applicable(lab_state: lab.LabState) -> None:
    # nginx on port 80 answers PING with an HTTP 400: not Redis, and certainly not a pass.
    attempt = run_check(RedisNoAuth, service_target(lab.WEAK_ADDR, 80, "redis"))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE
    assert "HTTP/1.1 400" in attempt.reason
