"""WorkerRuns without a broker: a signed task runs the jobs the worker plans itself from the
stored run, once; a forged one (an extra check folder, an intrusive check on an ot asset,
another run's asset, another key) is a logged refusal and nothing runs or is stored. The
pinned host keys are read through the reader the caller passes (the worker imports no
application code)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scanner.app.compile import compile_run
from scanner.app.hostkeys import load_pins
from scanner.app.workers import planner
from scanner.distributed.wire import Task, seal
from scanner.distributed.worker import WorkerRuns
from scanner.engine.compiled import CompiledRun, Discovered
from scanner.engine.jobs import Pins
from scanner.engine.plan import Plan, build_plan
from scanner.engine.registry import discover
from scanner.inventory.schema import load_inventory
from scanner.store import Store
from tests.helpers import write
from tests.unit.app.site import CHECKS, INVENTORY, Site, serving

KEY = b"worker-test-key-" * 3

#: An intrusive check that leaves a mark when it runs, and a module that leaves one when it is
#: imported: neither may happen through a forged task.
INTRUSIVE = '''\
"""An intrusive test check that writes a mark file when it runs."""

from pathlib import Path

from scanner.api import AppliesTo, AssetKind, Check, Severity


class Intrusive(Check):
    """Writes its mark, so that a test sees it ran."""

    id = "web.test-intrusive"
    title = "An intrusive test check"
    family = "web"
    severity = Severity.HIGH
    intrusive = True
    applies_to = AppliesTo(kinds=(AssetKind.URL,))
    remediation = "Nothing to remediate here."

    def run(self, target, ctx):
        Path({mark!r}).write_text(target.asset_id)
        return iter(())
'''
EVIL = "from pathlib import Path\nPath({mark!r}).write_text('imported')\n"

#: The site inventory with a second asset on the same site, an ot one, and the intrusive check
#: in the profile (no asset opts into it).
OT_INVENTORY = INVENTORY.replace(
    "profiles:",
    """      - id: plc
        url: http://127.0.0.1:{port}/plc
        exposure: ot
profiles:""",
).replace("    checks: [", "    checks: [web.test-intrusive, ")


@dataclass
class Lab:
    """A store with one run of the site inventory, the worker's check folder and its marks."""

    store: Store
    site: Site
    folder: Path
    run_id: int
    run: CompiledRun
    plan: Plan
    ran: Path  # written when the intrusive check runs
    imported: Path  # written when the evil module is imported

    def runs(self, key: bytes = KEY) -> WorkerRuns:
        """A worker's task runner with this folder and ``key``."""
        return WorkerRuns(self.store, load_pins, planner([self.folder]), key)

    def task(self, asset: str = "site") -> Task:
        """The task a coordinator sends for ``asset``'s jobs."""
        keys = tuple(j.key for j in self.plan.jobs if j.target.asset_id == asset)
        return Task(self.run_id, self.run.sha256, "ent", asset, keys)


def start(
    store: Store, site: Site, folder: Path, path: Path, text: str
) -> tuple[int, CompiledRun, Plan]:
    """A run of ``text`` for ``site`` stored as a coordinator stores it, and its plan."""
    inv = load_inventory(write(path, text.format(port=site.port)))
    run = compile_run(inv, "web", registry=discover([folder]))
    plan = build_plan(run, Discovered({}, run.addresses))
    run_id = store.runs.create(
        "test", "web", str(path), run.sha256, "t", inventory_text=run.inv.source.text
    )
    return run_id, run, plan


@pytest.fixture
def lab(tmp_path: Path, db_url: str) -> Iterator[Lab]:
    folder = tmp_path / "checks"
    folder.mkdir()
    ran, imported = tmp_path / "ran", tmp_path / "imported"
    write(folder / "intrusive.py", INTRUSIVE.format(mark=str(ran)))
    evil = tmp_path / "evil"
    evil.mkdir()
    write(evil / "evil.py", EVIL.format(mark=str(imported)))
    with serving() as site:
        store = Store.open(db_url)
        run_id, run, plan = start(store, site, folder, tmp_path / "inv.yaml", OT_INVENTORY)
        yield Lab(store, site, folder, run_id, run, plan, ran, imported)


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "scanner.worker" and r.levelno == logging.WARNING
    ]


def test_a_task_runs_its_jobs_once(lab: Lab) -> None:
    read: list[Store] = []

    def pins(s: Store) -> Pins:
        read.append(s)
        return load_pins(s)

    runs = WorkerRuns(lab.store, pins, planner([lab.folder]), KEY)
    message = seal(lab.task(), KEY)
    try:
        assert runs.execute(message).endswith("2 jobs run, 0 already stored")
        assert runs.execute(message).endswith("0 jobs run, 2 already stored")
    finally:
        runs.close()
    assert read == [lab.store]  # once per run, not per task
    attempts = lab.store.attempts.of_run(lab.run_id)
    assert sorted(a.check_id for a in attempts) == sorted(CHECKS)
    assert {a.status for a in attempts} == {"fail"}


def assert_refused(lab: Lab, runs: WorkerRuns, message: object, caplog: pytest.LogCaptureFixture,
                   why: str) -> None:  # fmt: skip
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="scanner.worker"):
        try:
            runs.handle(message)
        finally:
            runs.close()
    [line] = refusals(caplog)
    assert line.startswith("refused a task: ") and why in line, line
    assert line.endswith("nothing was run")
    assert lab.store.attempts.of_run(lab.run_id) == []
    assert not lab.ran.exists() and not lab.imported.exists()


def test_a_task_naming_a_check_folder_is_refused_and_loads_nothing(
    lab: Lab, caplog: pytest.LogCaptureFixture
) -> None:
    evil = str(lab.imported.parent / "evil")
    old = {"run": lab.run_id, "sha256": lab.run.sha256, "entity": "ent", "asset": "site",
           "checks_dirs": [evil], "jobs": []}  # fmt: skip
    assert_refused(lab, lab.runs(), old, caplog, "unsigned or altered")
    # Signed with the right key, the folder is still not a field a task may have.
    signed = seal(lab.task(), KEY)
    body = signed["body"].replace('"v":1', f'"checks_dirs":["{evil}"],"v":1')
    forged = seal(lab.task(), KEY) | {"body": body}
    assert_refused(lab, lab.runs(), forged, caplog, "unsigned or altered")
    mac = hmac.new(KEY, body.encode(), hashlib.sha256).hexdigest()
    assert_refused(lab, lab.runs(), {"body": body, "mac": mac}, caplog, "fields")


def test_an_intrusive_check_on_an_ot_asset_is_refused(
    lab: Lab, caplog: pytest.LogCaptureFixture
) -> None:
    [skipped] = [
        a for a in lab.plan.decided if a.asset_id == "plc" and a.check_id == "web.test-intrusive"
    ]
    assert skipped.status == "skipped"
    task = Task(lab.run_id, lab.run.sha256, "ent", "plc", (skipped.key,))
    assert_refused(lab, lab.runs(), seal(task, KEY), caplog, "not jobs of the run's plan")
    # Slipped in among the asset's real jobs, it refuses the whole task.
    mixed = Task(lab.run_id, lab.run.sha256, "ent", "plc", (*lab.task("plc").keys, skipped.key))
    assert_refused(lab, lab.runs(), seal(mixed, KEY), caplog, "1 of 3 attempt keys")


def test_another_runs_asset_is_refused(
    lab: Lab, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    other = OT_INVENTORY.replace("- id: site", "- id: shop")
    other_id, _, other_plan = start(lab.store, lab.site, lab.folder, tmp_path / "o.yaml", other)
    keys = tuple(j.key for j in other_plan.jobs if j.target.asset_id == "shop")
    task = Task(lab.run_id, lab.run.sha256, "ent", "shop", keys)
    assert_refused(lab, lab.runs(), seal(task, KEY), caplog, "no jobs for this asset")
    # Run 1's id with the other run's keys for an asset of the same name: not in the plan.
    assert other_id != lab.run_id
    other_keys = tuple(j.key for j in other_plan.jobs if j.target.asset_id == "plc")
    assert set(other_keys) == set(lab.task("plc").keys)  # same site, same keys: allowed...
    task = Task(lab.run_id, lab.run.sha256, "ent", "site", keys)  # ...but not shop's under site
    assert_refused(lab, lab.runs(), seal(task, KEY), caplog, "not jobs")


def test_a_worker_with_another_key_refuses_everything(
    lab: Lab, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = lab.runs(b"another-key-entirely-" * 2)
    for asset in ("site", "plc"):
        assert_refused(lab, wrong, seal(lab.task(asset), KEY), caplog, "another key")
