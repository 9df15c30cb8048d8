"""The dashboard's figures: risk levels from the notices' risk function, overdue items, the
trend; recomputed when the store changes (a decision, a run), per entity."""

from __future__ import annotations

from pathlib import Path

from scanner.app.dashboard import Dashboard
from scanner.app.documents import InventoryCache
from scanner.core.models import Attempt, AttemptStatus
from scanner.store import Store
from scanner.tracking.issues import false_positive, reconcile
from tests.web.site import HSTS, INVENTORY, seed


def test_figures_follow_the_store(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'd.db'}")
    ids = seed(store)
    dashboard = Dashboard(store, InventoryCache(store))
    first = dashboard.figures()
    # ent: critical redis on an internet asset (high), medium HSTS; other: internal asset.
    assert first.levels["ent"] == {"high": 1, "medium": 1, "low": 0}
    assert sum(first.totals.values()) == sum(sum(v.values()) for v in first.levels.values())
    assert first.states["open"] == 4 and first.names["ent"] == "Grid Co"
    assert [t.run_id for t in first.trend] == [ids["run1"], ids["run2"]]
    assert first.trend[0].opened == 3 and first.trend[1].opened == 1
    assert dashboard.figures() is first  # nothing changed: the same figures
    mine = dashboard.figures("ent")
    assert set(mine.levels) == {"ent"} and mine.entities == ["ent"]

    false_positive(store, ids["issue_ent"], reason="test", actor="lead")
    after = dashboard.figures()
    assert after is not first and after.levels["ent"]["high"] == 0
    assert after.states["false_positive"] == 1
    assert after.trend == first.trend  # decisions are not in the trend

    run_id = store.runs.create("test", "remote", "i.yaml", "0" * 64, "t", inventory_text=INVENTORY)
    store.attempts.record(
        run_id, [Attempt(HSTS, "other", "gw", "https://127.0.10.2:8443/", AttemptStatus.PASS)]
    )
    store.runs.finish(run_id, "completed")
    reconcile(store, run_id)
    latest = dashboard.figures()
    assert latest.trend[-1].run_id == run_id and latest.trend[-1].closed == 1
