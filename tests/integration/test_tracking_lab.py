"""Real rescans of the lab: fix a weakness in a running daemon, break it again, hang it.

The weak host's Redis answers without a password. Setting ``requirepass`` on the running daemon
(CONFIG SET, as an operator would) fixes it; clearing it breaks it again; pausing the daemon
(SIGSTOP on the lab's own recorded process) makes the port accept connections and never answer,
which must leave the issue as it was: an error proves nothing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.app.compile import compile_run
from scanner.app.runs import start_run
from scanner.inventory.schema import load_inventory
from scanner.store import Store
from tests.helpers import write
from tests.lab import lab
from tests.unit.inventory.test_schema import MINIMAL

pytestmark = pytest.mark.lab

INVENTORY = (
    MINIMAL.replace("    modes: [remote]", "    checks: [net.redis-no-auth]\n    ports: '6379'")
    + "rate_limits:\n  check_timeout: 3\n"
)


def redis(*commands: bytes) -> list[bytes]:
    """Send inline commands to the weak lab Redis and return the first line of each reply."""
    replies = []
    with socket.create_connection((lab.WEAK_ADDR, 6379), timeout=3) as sock:
        reader = sock.makefile("rb")
        for command in commands:
            sock.sendall(command + b"\r\n")
            replies.append(reader.readline().strip())
    return replies


@contextlib.contextmanager
def paused(state: lab.LabState, name: str) -> Iterator[None]:
    """SIGSTOP one of the lab's own daemons (checked by PID and start time), SIGCONT after."""
    current = lab.load_state(state.state_dir)  # the lab's own tests may have restarted it
    assert current is not None
    [rec] = [p for p in current.processes if p.name == name]
    assert lab.proc_starttime(rec.pid) == rec.starttime, "not the process the lab started"
    os.kill(rec.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(rec.pid, signal.SIGCONT)


def test_fix_break_and_hang(lab_state: lab.LabState, db_url: str, tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path / "inv.yaml", INVENTORY))
    store = Store.open(db_url)

    def rescan() -> tuple[str, object]:
        result = start_run(compile_run(inv, "remote"), store)
        [issue] = store.issues.find()
        return issue.state, result.tracking

    state, report = rescan()
    assert state == "open"
    try:
        assert redis(b"CONFIG SET requirepass lab-fixed") == [b"+OK"]
        state, report = rescan()
        assert state == "fixed" and report.fixed == 1  # type: ignore[attr-defined]
    finally:
        with contextlib.suppress(OSError):
            redis(b"AUTH lab-fixed", b'CONFIG SET requirepass ""')
    state, report = rescan()
    assert state == "reopened" and report.reopened == 1  # type: ignore[attr-defined]

    with paused(lab_state, "redis-weak"):
        state, report = rescan()
    assert state == "reopened", report  # unchanged: a hung daemon proves nothing
    assert report.fixed == 0 and report.could_not_verify == 1, report  # type: ignore[attr-defined]
    assert "error: timeout" in next(iter(report.not_verified)), report  # type: ignore[attr-defined]
    assert redis(b"PING") == [b"+PONG"]  # the lab is as it was
