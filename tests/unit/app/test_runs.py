"""The run's entry points against a web server the test starts on loopback: a new run, a
restricted rescan, an interrupted run resumed, and what cannot be resumed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.app.compile import compile_run
from scanner.app.runs import rescan, resume_run, run_inventory, start_run
from scanner.core.errors import UserError
from scanner.engine.compiled import CompiledRun
from scanner.inventory.schema import load_inventory
from scanner.store import Store
from tests.helpers import write
from tests.unit.app.site import CHECKS, INVENTORY, Site, serving


@pytest.fixture
def site() -> Iterator[Site]:
    with serving() as running:
        yield running


@pytest.fixture
def inventory(tmp_path: Path, site: Site) -> Path:
    return write(tmp_path / "inv.yaml", INVENTORY.format(port=site.port))


def _compiled(inventory: Path) -> CompiledRun:
    return compile_run(load_inventory(inventory), "web")


def test_new_run_then_restricted_rescan(inventory: Path, db_url: str) -> None:
    store = Store.open(db_url)
    first = start_run(_compiled(inventory), store)
    assert first.status == "completed" and first.counts == {"fail": 2}
    assert {f.check_id for f in store.attempts.findings(first.run_id)} == set(CHECKS)
    assert first.tracking is not None and store.runs.restricted_to(first.run_id) is None
    only = {("ent", "site", CHECKS[0])}
    again = rescan(_compiled(inventory), store, only)
    assert again.status == "completed" and store.runs.restricted_to(again.run_id) == only
    assert [a.check_id for a in store.attempts.of_run(again.run_id)] == [CHECKS[0]]
    with pytest.raises(UserError, match="already complete"):
        resume_run(_compiled(inventory), store, again.run_id)


def test_interrupted_run_resumes_without_duplicates(inventory: Path, db_url: str) -> None:
    store = Store.open(db_url)
    stopped = start_run(_compiled(inventory), store, stop=lambda: "a test stop")
    assert stopped.status == "interrupted" and "a test stop" in stopped.note
    assert stopped.tracking is None  # not reconciled until it completes
    resumed = resume_run(_compiled(inventory), store, stopped.run_id)
    assert resumed.status == "completed" and resumed.run_id == stopped.run_id
    keys = [a.key for a in store.attempts.of_run(stopped.run_id)]
    assert len(keys) == len(set(keys)) == len(CHECKS)


def test_resume_needs_the_same_profile_and_inventory(
    inventory: Path, db_url: str, tmp_path: Path
) -> None:
    store = Store.open(db_url)
    stopped = start_run(_compiled(inventory), store, stop=lambda: "stop")
    changed = write(tmp_path / "changed.yaml", inventory.read_text() + "# changed\n")
    with pytest.raises(UserError, match="the inventory changed"):
        resume_run(_compiled(changed), store, stopped.run_id)


def test_run_inventory_is_the_run_command(inventory: Path, db_url: str) -> None:
    store = Store.open(db_url)
    result = run_inventory(inventory, "web", store)
    assert result.status == "completed" and result.counts == {"fail": 2}
    with pytest.raises(UserError, match="not a folder"):
        run_inventory(inventory, "web", store, extra_dirs=[inventory.parent / "none"])
