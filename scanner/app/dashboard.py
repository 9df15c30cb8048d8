"""The dashboard's figures: open issues by risk level per entity, issues by state, overdue items
and the entities behind them, the trend over runs; computed from grouped reads, and kept until
the store changes.

Risk levels come from the notices' risk function under the latest run's inventory
(:meth:`scanner.app.documents.InventoryCache.levels`), applied per (entity, asset, severity)
group, not per issue. The figures are cached per entity and per *version* of the store (the
newest issue event, notice and run): any state change, notice or run makes the next request
compute them again, and they are never older than ``ttl`` seconds (overdue depends on the clock).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from scanner.app.documents import InventoryCache
from scanner.core.lifecycle import LEVELS
from scanner.store import Store
from scanner.store.views import TrendPoint


@dataclass(frozen=True)
class Figures:
    """What the dashboard and the entity list show.

    Attributes:
        levels: per entity, its active issues by risk level.
        totals: active issues by risk level.
        states: issues by state.
        overdue: (entity, count) of active issues past their deadline, most first.
        trend: what each recent run opened and closed.
        names: entity names from the latest inventory.
        entities: every entity with issues or notices (of ``entity`` only, when given).
    """

    levels: dict[str, dict[str, int]]
    totals: dict[str, int]
    states: dict[str, int]
    overdue: list[tuple[str, int]]
    trend: list[TrendPoint]
    names: dict[str, str]
    entities: list[str]


class Dashboard:
    """The figures of one store, cached per entity and store version."""

    def __init__(self, store: Store, inventories: InventoryCache, ttl: float = 60.0) -> None:
        self._store, self._inventories, self._ttl = store, inventories, ttl
        self._cache: dict[str | None, tuple[tuple[int, int, int], float, Figures]] = {}
        self._lock = threading.Lock()
        self._trends: dict[str | None, tuple[tuple[tuple[int, bool], ...], list[TrendPoint]]] = {}

    def figures(self, entity: str | None = None) -> Figures:
        """The figures of ``entity`` (every entity when None)."""
        version = self._store.views.version()
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(entity)
        if cached and cached[0] == version and now - cached[1] < self._ttl:
            return cached[2]
        found = self._compute(entity)
        with self._lock:
            if len(self._cache) > 1000:  # one entry per liaison's entity at most
                self._cache.clear()
            self._cache[entity] = (version, now, found)
        return found

    def _trend(self, entity: str | None) -> list[TrendPoint]:
        # The trend moves only when a run is added or reconciled: people's decisions, which
        # change every other figure, leave it as it was.
        key = self._store.views.runs_version()
        with self._lock:
            cached = self._trends.get(entity)
        if cached and cached[0] == key:
            return cached[1]
        trend = self._store.views.trend(entity=entity)
        with self._lock:
            if len(self._trends) > 1000:
                self._trends.clear()
            self._trends[entity] = (key, trend)
        return trend

    def _compute(self, entity: str | None) -> Figures:
        views = self._store.views
        inv = self._inventories.latest()
        levels = self._inventories.levels(inv, views.active_groups(entity=entity)) if inv else {}
        return Figures(
            levels=levels,
            totals={level: sum(per[level] for per in levels.values()) for level in LEVELS},
            states=views.state_counts(entity=entity),
            overdue=views.overdue(time.time(), entity=entity),
            trend=self._trend(entity),
            names={e.id: e.name for e in inv.model.entities} if inv else {},
            entities=[entity] if entity is not None else views.entity_ids(),
        )
