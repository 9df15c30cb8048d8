"""Notices as the web application shows them: built from the store by id, rendered in any
format and language, and issued after a run. The same building and rendering as
:mod:`scanner.app.notices` (which writes them to files for the CLI)."""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence

from reports.formats import REGISTRY
from reports.render import FORMATS, LANGUAGES, render_notice
from scanner.core.documents import Notice
from scanner.core.lifecycle import LEVELS
from scanner.engine.registry import Registry, discover
from scanner.inventory.schema import LoadedInventory
from scanner.notices.build import build_notice, issue_notices, issue_risk, run_inventory
from scanner.notices.risk import Risk, assess
from scanner.store import Store
from scanner.store.issues import IssueRow

__all__ = [
    "FORMATS",
    "LANGUAGES",
    "MEDIA_TYPES",
    "SUFFIX",
    "InventoryCache",
    "issue_for_run",
    "notice",
    "registry",
    "render",
]

SUFFIX = {name: f.extension for name, f in REGISTRY.items()}
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "pdf": "application/pdf",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
}


@functools.cache
def registry() -> Registry:
    """The check registry (loaded once per process: titles and remediation of items)."""
    return discover()


def notice(store: Store, notice_id: int, inventories: InventoryCache | None = None) -> Notice:
    """Notice ``notice_id`` as a document, each item with its issue's current state (built
    again only when the store changed, with ``inventories``)."""
    if inventories is not None:
        return inventories.notice(notice_id)
    return build_notice(store, notice_id, registry())


def render(document: Notice, fmt: str, lang: str) -> bytes:
    """The notice in ``fmt`` and ``lang`` (reports.render)."""
    return render_notice(document, fmt, lang)


def issue_for_run(store: Store, run_id: int) -> list[Notice]:
    """Issue the notices of run ``run_id`` (once; later calls re-read them)."""
    return issue_notices(store, run_id, registry())


class InventoryCache:
    """Runs' stored inventories, parsed once per process (a campaign of a thousand entities
    takes a while to validate; pages need its entities and risk factors on every request), and
    notice documents built once per version of the store."""

    def __init__(self, store: Store, size: int = 8) -> None:
        self._store = store
        self._get = functools.lru_cache(maxsize=size)(self._load)
        self._notices = functools.lru_cache(maxsize=256)(self._build)

    def _build(self, notice_id: int, _version: tuple[int, int, int], _minute: int) -> Notice:
        head = self._store.notices.get(notice_id)
        return build_notice(self._store, notice_id, registry(), inv=self.get(head.run_id))

    def notice(self, notice_id: int) -> Notice:
        """Notice ``notice_id`` as a document, rebuilt when the store's version changed (a state
        change, a notice, a run) and every minute (its overdue flags follow the clock)."""
        return self._notices(notice_id, self._store.views.version(), int(time.time() // 60))

    def _load(self, run_id: int) -> LoadedInventory:
        return run_inventory(self._store, run_id)

    def get(self, run_id: int) -> LoadedInventory:
        """The inventory run ``run_id`` was started with."""
        return self._get(run_id)

    def latest(self) -> LoadedInventory | None:
        """The inventory of the newest run, or None in an empty store."""
        run_id = self._store.runs.latest_id()
        return self.get(run_id) if run_id is not None else None

    def risk(self, issue: IssueRow) -> Risk:
        """An issue's risk under the inventory of the run that last saw it."""
        return issue_risk(self.get(issue.last_seen_run), issue)

    def levels(
        self, inv: LoadedInventory, groups: Sequence[tuple[str, str, str, int]]
    ) -> dict[str, dict[str, int]]:
        """Per entity, active issues by risk level, from (entity, asset, severity, count)
        groups, under ``inv`` (the same function as notices: exposure and criticality)."""
        entities = {e.id: e for e in inv.model.entities}
        exposures = {(e.id, a.id): a.exposure.value for e in inv.model.entities for a in e.assets}
        out: dict[str, dict[str, int]] = {}
        for entity_id, asset_id, severity, count in groups:
            entity = entities.get(entity_id)
            level = assess(
                severity,
                exposures.get((entity_id, asset_id), "internal"),
                cii_operator=entity.cii_operator if entity else False,
                mlps_level=entity.mlps_level if entity else 1,
                model=inv.model.risk,
            ).level
            per = out.setdefault(entity_id, dict.fromkeys(LEVELS, 0))
            per[level] += count
        return out
