"""WorkerRuns without a broker: one asset's task run against a loopback site, stored once, with
the pinned host keys read through the reader the caller passes (the worker imports no
application code)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanner.app.compile import compile_run
from scanner.app.hostkeys import load_pins
from scanner.distributed.wire import encode_target
from scanner.distributed.worker import WorkerRuns
from scanner.engine.compiled import Discovered
from scanner.engine.jobs import Pins
from scanner.engine.plan import build_plan
from scanner.inventory.schema import load_inventory
from scanner.store import Store
from tests.helpers import write
from tests.unit.app.site import CHECKS, INVENTORY, serving


def test_a_task_runs_its_jobs_once(tmp_path: Path, db_url: str) -> None:
    store = Store.open(db_url)
    read: list[Store] = []

    def pins(s: Store) -> Pins:
        read.append(s)
        return load_pins(s)

    with serving() as site:
        path = write(tmp_path / "inv.yaml", INVENTORY.format(port=site.port))
        run = compile_run(load_inventory(path), "web")
        plan = build_plan(run, Discovered({}, run.addresses))
        run_id = store.runs.create(
            "test", "web", str(path), run.sha256, "t", inventory_text=run.inv.source.text
        )
        payload: dict[str, Any] = {
            "run": run_id,
            "sha256": run.sha256,
            "entity": "ent",
            "asset": "site",
            "jobs": [{"check": j.check.id, "target": encode_target(j.target)} for j in plan.jobs],
        }
        runs = WorkerRuns(store, pins)
        try:
            assert runs.execute(payload).endswith("2 jobs run, 0 already stored")
            assert runs.execute(payload).endswith("0 jobs run, 2 already stored")
        finally:
            runs.close()
    assert read == [store]  # once per run, not per task
    assert sorted(a.check_id for a in store.attempts.of_run(run_id)) == sorted(CHECKS)
    assert {a.status for a in store.attempts.of_run(run_id)} == {"fail"}
