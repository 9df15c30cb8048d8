"""Scheduled profiles: refused when nothing is scheduled, listed with their next due times."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from scanner.app.schedules import schedule_overview, scheduled_inventory
from scanner.core.errors import UserError
from scanner.store import Store
from tests.helpers import write
from tests.unit.inventory.test_schema import MINIMAL

SCHEDULED = MINIMAL.replace(
    "  remote:\n    modes: [remote]\n",
    "  remote:\n    modes: [remote]\n    schedule:\n"
    '      cron: "0 22 * * *"\n      timezone: UTC\n',
)


def test_an_inventory_without_schedules_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no profile has a schedule"):
        scheduled_inventory(write(tmp_path / "inv.yaml", MINIMAL), time.time())


def test_overview_with_and_without_a_store(tmp_path: Path, db_url: str) -> None:
    inv = scheduled_inventory(write(tmp_path / "inv.yaml", SCHEDULED), time.time())
    now = time.time()
    [view] = schedule_overview(inv, None, 3, now)
    assert view.item.profile == "remote" and len(view.due) == 3 and view.last is None
    assert all(d > now and time.gmtime(d).tm_hour == 22 for d in view.due)
    store = Store.open(db_url)
    store.schedules.record(view.item.name, now - 60, "skipped", "a test")
    [view] = schedule_overview(inv, store, 1, now)
    assert view.last is not None and view.last.outcome == "skipped"
