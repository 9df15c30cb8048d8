"""A verification rescan (a run restricted to some (entity, asset, check) triples) that is
interrupted resumes as the same restricted rescan, never as the whole profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.app.compile import compile_run
from scanner.app.runs import rescan, resume_run, start_run
from scanner.inventory.schema import load_inventory
from scanner.store import Store
from tests.helpers import write
from tests.lab import lab
from tests.unit.inventory.test_schema import MINIMAL

pytestmark = pytest.mark.lab

ONLY = {("ent", "web", "net.telnet-exposed"), ("ent", "web", "net.ftp-anonymous")}


def test_interrupted_rescan_resumes_restricted(
    lab_state: lab.LabState, tmp_path: Path, db_url: str
) -> None:
    inv = load_inventory(
        write(
            tmp_path / "inv.yaml",
            MINIMAL.replace("    modes: [remote]", "    modes: [remote]\n    ports: 21,23,80"),
        )
    )
    store = Store.open(db_url)
    first = rescan(compile_run(inv, "remote"), store, ONLY, stop=lambda: "a test stop")
    assert first.status == "interrupted" and "a test stop" in first.note
    assert store.runs.restricted_to(first.run_id) == ONLY
    resumed = resume_run(compile_run(inv, "remote"), store, first.run_id)
    assert resumed.status == "completed"
    ran = {(a.entity_id, a.asset_id, a.check_id) for a in store.attempts.of_run(first.run_id)}
    assert ran == ONLY
    whole = start_run(compile_run(inv, "remote"), store)  # an unrestricted run: no restriction
    assert store.runs.restricted_to(whole.run_id) is None
    assert len(store.attempts.of_run(whole.run_id)) > len(ONLY)
