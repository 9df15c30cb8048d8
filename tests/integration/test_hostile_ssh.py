"""SSH against a hostile server: the scanner's memory stays bounded and the attempt ends, by its
deadline, as a connectivity error or a timeout, never a crash.

paramiko reads the raw socket and trusts the packet length the peer announces. The server here
(started by the test on loopback, no lab needed) plays three peers:

- ``huge-packet``: a valid banner, then a packet announcing 2^31 + 4 bytes (2^31 itself fails
  paramiko's block-size check at once; + 4 passes it), and streams bytes;
- ``drip``: the same announcement, then one byte every 50 ms;
- ``endless-banner``: ``SSH-2.0-`` and then a banner line that never ends.

Each runs against both users of paramiko, through the engine's ``run_job``: the handshake probe
of remote checks (``net.ssh-password-auth``) and the on-site session (``host.ssh-hostkey-changed``,
which needs the server on port 22 of a loopback address of its own). Memory is measured with
tracemalloc around the attempt (it counts every buffer paramiko builds, and the 2 GiB ``recv``
buffer it would ask for), then again after a pause, for what paramiko's thread does after.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from checks.host.ssh_hostkey_changed import SshHostkeyChanged
from checks.network.ssh_password_auth import SshPasswordAuth
from scanner.core.models import AssetKind, Attempt, AttemptStatus, ErrorReason, OnsiteTarget
from scanner.engine.context import RunServices
from scanner.inventory.schema import Credential
from scanner.transport.ratelimit import TokenBucket
from tests.helpers import LOOPBACK_ONLY, run_check, service_target
from tests.hostile import serve

MODES = ("huge-packet", "drip", "endless-banner")
TIMEOUT = 3.0
GRACE = 3.0
#: How much the scanner may grow for one hostile connection.
MEMORY = 64 << 20
#: The server never sends more than this per connection (the unbounded client would take it all).
SEND_BUDGET = 256 << 20
BANNER = b"SSH-2.0-OpenSSH_9.6 hostile\r\n"
#: A packet header: length 2^31 + 4, padding length 4, SSH_MSG_KEXINIT, two bytes of cookie.
HUGE_HEADER = struct.pack(">IBB", (1 << 31) + 4, 4, 20) + b"\0\0"


def _serve(conn: socket.socket, mode: str, stop: threading.Event) -> None:
    conn.settimeout(0.5)
    chunk = b"\0" * 65536
    sent = 0
    with contextlib.suppress(OSError), conn:
        if mode == "endless-banner":
            conn.sendall(b"SSH-2.0-")
            chunk = b"A" * 65536
        else:
            conn.sendall(BANNER + HUGE_HEADER)
        if mode == "drip":
            while not stop.wait(0.05) and sent < 1000:
                conn.sendall(b"\0")
                sent += 1
            return
        while not stop.is_set() and sent < SEND_BUDGET:
            conn.sendall(chunk)
            sent += len(chunk)


@contextlib.contextmanager
def hostile_ssh(mode: str, address: str = "127.0.0.1", port: int = 0) -> Iterator[int]:
    """Serve ``mode`` on ``address:port`` (port 0: any); yields the port; stops on exit."""
    with serve(lambda conn, stop: _serve(conn, mode, stop), address, port) as (_, bound):
        yield bound


def own_address() -> str:
    """A loopback address with nothing on port 22 (the lab's sshds are on 127.0.10.x)."""
    for _ in range(50):
        address = f"127.0.{random.randint(200, 250)}.{random.randint(2, 250)}"
        with socket.socket() as probe, contextlib.suppress(OSError):
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((address, 22))
            return address
    raise AssertionError("no free loopback address for port 22")


def measured(attempt: Any) -> tuple[Attempt, int, float]:
    """Run ``attempt()``; return it, the traced memory's peak growth, and its wall time."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        started = time.monotonic()
        result = attempt()
        wall = time.monotonic() - started
        time.sleep(0.5)  # paramiko's thread, had it outlived the attempt, keeps reading
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return result, peak, wall


def assert_bounded(attempt: Attempt, peak: int, wall: float) -> None:
    assert peak <= MEMORY, f"the scanner grew by {peak >> 20} MiB"
    assert wall <= TIMEOUT + GRACE, f"the attempt took {wall:.1f} s"
    assert attempt.status == AttemptStatus.ERROR, attempt
    assert attempt.error_reason in (ErrorReason.CONNECTIVITY, ErrorReason.TIMEOUT), attempt.reason


@pytest.mark.parametrize("mode", MODES)
def test_the_handshake_probe_of_remote_checks_is_bounded(mode: str) -> None:
    with hostile_ssh(mode) as port:
        target = service_target("127.0.0.1", port, "ssh")
        attempt, peak, wall = measured(lambda: run_check(SshPasswordAuth, target, timeout=TIMEOUT))
    assert_bounded(attempt, peak, wall)


@pytest.mark.parametrize("mode", MODES)
def test_the_onsite_session_is_bounded_before_any_host_key_check(mode: str) -> None:
    address = own_address()
    services = RunServices(
        guard=LOOPBACK_ONLY,
        bucket=TokenBucket(1000),
        credentials={"audit": Credential(username="audit", password_env="HOSTILE_SSH_UNSET")},
    )
    target = OnsiteTarget(
        entity_id="e", asset_id="a", kind=AssetKind.ONSITE, address=address, credentials="audit"
    )
    try:
        with hostile_ssh(mode, address, 22):
            attempt, peak, wall = measured(
                lambda: run_check(SshHostkeyChanged, target, timeout=TIMEOUT, services=services)
            )
    finally:
        services.close()
    assert_bounded(attempt, peak, wall)
