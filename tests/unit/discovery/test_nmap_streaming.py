"""nmap run so that each open port is reported the moment nmap finds it (``-v``), against a
listener the test opens on loopback; and its deadline."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator

import pytest

from scanner.core.errors import UserError
from scanner.discovery.nmap import OPEN_PORT, run_nmap_streaming

pytestmark = pytest.mark.skipif(shutil.which("nmap") is None, reason="nmap is not installed")


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_open_ports_are_reported_as_found_and_in_the_result(listener: int) -> None:
    seen: list[tuple[str, int, str]] = []
    args = ["-n", "-Pn", "-sT", "-p", str(listener)]
    [scan] = run_nmap_streaming(
        ["127.0.0.1"], args, timeout=60, on_port=lambda *found: seen.append(found)
    )
    assert seen == [("127.0.0.1", listener, "tcp")]
    assert scan.answered and [(s.port, s.protocol) for s in scan.services] == [(listener, "tcp")]


def test_the_deadline_ends_nmap_with_a_clear_error(listener: int) -> None:
    # -sT of every port with a scan delay: far longer than the 0.5 s it is given.
    args = ["-n", "-Pn", "-sT", "--scan-delay", "100ms", "-p", "1-65535"]
    with pytest.raises(UserError, match="did not finish within"):
        run_nmap_streaming(["127.0.0.1"], args, timeout=0.5, on_port=lambda *_: None)


def test_only_nmaps_own_line_is_read_as_an_open_port() -> None:
    assert OPEN_PORT.match("Discovered open port 6379/tcp on 127.0.10.1\n")
    assert not OPEN_PORT.match("Discovered open port 99999999/tcp on x; rm -rf /\n")
