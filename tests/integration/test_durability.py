"""Durability: SIGKILL the scanner at random points of real runs against the lab, 20 times.

After every kill the SQLite store passes ``PRAGMA integrity_check``; an unfinished run is
finished with ``scanner run --resume RUN`` without duplicating attempts or findings; and every
completed run of the unchanged lab yields the same fingerprints as an uninterrupted one. A
refusal of the scope guard survives a kill too: it is stored with the attempts, not at the end.
"""

from __future__ import annotations

import contextlib
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

#: A check that asks for an address outside the scope at once, then hangs (until killed).
REFUSE_THEN_HANG = '''\
"""A test check: one out-of-scope connection, refused by the scope guard, then a long hang."""

import time

from scanner.api import AppliesTo, AssetKind, Check, Severity


class RefuseThenHang(Check):
    id = "net.refuse-then-hang"
    title = "Asks for an address outside the scope, then hangs"
    family = "network"
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.HOST,))
    remediation = "Nothing to remediate here."

    def run(self, target, ctx):
        try:
            ctx.connect("127.0.99.1", 80, timeout=1.0)
        except Exception:  # the refusal is what this check is for
            pass
        time.sleep(600)
        return iter(())
'''
HANGING_INVENTORY = (
    MINIMAL.replace("    modes: [remote]", '    checks: [net.refuse-then-hang]\n    ports: "22"')
    + "checks:\n  dirs: [hang]\nrate_limits:\n  check_timeout: 300\n"
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


def test_a_refusal_survives_sigkill(lab_state: lab.LabState, tmp_path: Path) -> None:
    (tmp_path / "hang").mkdir()
    write(tmp_path / "hang" / "refuse_then_hang.py", REFUSE_THEN_HANG)
    inventory = write(tmp_path / "inv.yaml", HANGING_INVENTORY)
    db = tmp_path / "scanner.db"
    proc = scanner(db, inventory)
    try:
        refused: list[str] = []
        for _ in range(600):  # up to 30 s: discovery, then the check's refusal
            if db.exists():
                with (
                    contextlib.suppress(sqlite3.OperationalError),  # no tables yet
                    contextlib.closing(sqlite3.connect(db)) as conn,
                ):
                    refused = [r[0] for r in conn.execute("SELECT target FROM refusals")]
            if refused or proc.poll() is not None:
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    finally:
        proc.send_signal(signal.SIGKILL)  # our own child, by its handle
        proc.wait(timeout=30)
    store = Store.open(f"sqlite:///{db}")
    [run] = store.runs.recent()
    assert run.status == "running"  # killed in the middle: no finally block ran
    [refusal] = store.attempts.refusals(run.id)
    assert refusal.check_id == "net.refuse-then-hang"
    assert "127.0.99.1" in refusal.target
