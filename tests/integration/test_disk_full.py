"""The SQLite store's disk fills up mid-run: a clear error that names the fix, a store that
passes ``PRAGMA integrity_check``, and a run that resumes once space is back.

The store lives on a small tmpfs the test mounts (and unmounts) itself; a ballast file takes the
space the run would need. The run is real: the web checks against the lab's weak and hardened
web servers.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.store import Store
from tests.conftest import REPO
from tests.helpers import write
from tests.lab import lab

pytestmark = pytest.mark.lab

INVENTORY = """\
campaign:
  name: disk full test
  authority: test office
  authorization:
    reference: T-1
    issued_by: test
    valid_from: 2026-01-01
    valid_until: 2030-12-31
scope:
  allow: [127.0.10.0/24]
entities:
  - id: ent
    name: Entity
    sector: energy
    assets:
      - id: weak
        url: http://127.0.10.1/
      - id: hard
        url: http://127.0.10.2/
      - id: weak-tls
        url: https://127.0.10.1/
      - id: hard-tls
        url: https://127.0.10.2/
profiles:
  web:
    families: [web]
"""


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 MiB tmpfs mounted for this test, unmounted after it."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (the suite runs as root)")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def scanner(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanner.cli", *args],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_full_disk_stops_the_run_cleanly_and_it_resumes(
    lab_state: lab.LabState, tmp_path: Path, small_disk: Path
) -> None:
    inventory = write(tmp_path / "inv.yaml", INVENTORY)
    db = small_disk / "scanner.db"
    url = f"sqlite:///{db}"
    Store.open(url).close()  # migrated while there is room
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    ballast = small_disk / "ballast"
    ballast.write_bytes(b"\0" * max(0, free - 48 * 1024))  # leave ~48 KiB: the run needs more

    full = scanner("run", str(inventory), "--profile", "web", "--db", url)
    assert full.returncode == 2, full.stdout + full.stderr
    message = full.stderr
    assert "disk is full" in message and "--resume 1" in message, message
    assert "Traceback" not in message
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    ballast.unlink()  # space is back
    resumed = scanner("run", str(inventory), "--profile", "web", "--db", url, "--resume", "1")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    store = Store.open(url)
    assert store.runs.get(1).status == "completed"
    attempts = store.attempts.of_run(1)
    assert len(attempts) == len({a.key for a in attempts}) > 0
    store.close()
