"""Durability: SIGKILL the scanner at random points of real runs against the lab, 20 times.

After every kill the SQLite store passes ``PRAGMA integrity_check``; an unfinished run is
finished with ``scanner run --resume RUN`` without duplicating attempts or findings; and every
completed run of the unchanged lab yields the same fingerprints as an uninterrupted one.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner.store import Store
from tests.conftest import REPO
from tests.helpers import write
from tests.lab import lab
from tests.unit.inventory.test_schema import MINIMAL

pytestmark = pytest.mark.lab

KILLS = 20
INVENTORY = (
    MINIMAL.replace(
        "    modes: [remote]", "    families: [network, web]\n    ports: 21,22,23,80,443,1883,6379"
    )
    + "rate_limits:\n  check_timeout: 5\n"
)


def scanner(db: Path, inventory: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scanner.cli",
            "run",
            str(inventory),
            "--profile",
            "remote",
            "--db",
            f"sqlite:///{db}",
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )


def fingerprints(db: Path, run_id: int) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {
            r[0]
            for r in conn.execute("SELECT fingerprint FROM findings WHERE run_id = ?", (run_id,))
        }


def test_sigkill_resume_and_identical_fingerprints(lab_state: lab.LabState, tmp_path: Path) -> None:
    inventory = write(tmp_path / "inv.yaml", INVENTORY)
    db = tmp_path / "scanner.db"
    clean = scanner(db, inventory)
    assert clean.wait(timeout=120) == 0, clean.stderr.read() if clean.stderr else ""
    store = Store.open(f"sqlite:///{db}")
    reference_run = store.runs.latest_id()
    assert reference_run is not None
    reference = fingerprints(db, reference_run)
    reference_attempts = len(store.attempts.of_run(reference_run))
    assert reference  # the weak host has findings to compare

    rng = random.Random(20261129)  # reproducible kill points
    resumed = 0
    for _ in range(KILLS):
        runs_before = len(store.runs.recent(limit=1000))
        proc = scanner(db, inventory)
        # Kill at a random point of the run itself, not of the interpreter's start-up: wait
        # (bounded) until the run is recorded, then a random while longer.
        for _ in range(600):
            if len(store.runs.recent(limit=1000)) > runs_before or proc.poll() is not None:
                break
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 1.5))
        proc.send_signal(signal.SIGKILL)  # our own child, by its handle
        proc.wait(timeout=30)
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        latest = store.runs.recent(limit=1)[0]
        if latest.status == "running":  # killed mid-run: finish it
            done = scanner(db, inventory, "--resume", str(latest.id))
            assert done.wait(timeout=120) == 0, done.stderr.read() if done.stderr else ""
            resumed += 1
            latest = store.runs.get(latest.id)
        if latest.status == "completed":
            assert fingerprints(db, latest.id) == reference
            attempts = store.attempts.of_run(latest.id)
            assert len(attempts) == reference_attempts  # nothing run twice, nothing missing
            assert len({a.key for a in attempts}) == len(attempts)
    assert resumed >= 5, "the kill points should interrupt runs in progress"
