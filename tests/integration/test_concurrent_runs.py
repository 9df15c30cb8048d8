"""Two runs writing one SQLite store at the same time: they queue, both complete, nothing lost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scanner.store import Store
from tests.conftest import REPO
from tests.helpers import write
from tests.lab import lab
from tests.unit.inventory.test_schema import MINIMAL

pytestmark = pytest.mark.lab

INVENTORY = MINIMAL.replace("    modes: [remote]", "    modes: [remote]\n    ports: 21,23,6379")


def test_two_runs_at_once(lab_state: lab.LabState, tmp_path: Path, db_url: str) -> None:
    inventory = write(tmp_path / "inv.yaml", INVENTORY)
    Store.open(db_url)  # created first, as `scanner run` would on its first use
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scanner.cli",
                "run",
                str(inventory),
                "--profile",
                "remote",
                "--db",
                db_url,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for _ in range(2)
    ]
    for proc in procs:
        assert proc.wait(timeout=180) == 0, proc.stderr.read() if proc.stderr else ""
    store = Store.open(db_url)
    runs = store.runs.recent()
    assert [r.status for r in runs] == ["completed", "completed"]
    assert runs[0].counts == runs[1].counts and runs[0].findings == runs[1].findings > 0
    issues = store.issues.find()
    assert len({i.fingerprint for i in issues}) == len(issues) == runs[0].findings
    assert {i.state for i in issues} == {"open"}
