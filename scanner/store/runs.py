"""The runs aggregate: one row per execution of a profile, its state and the inventory it had.

A run is created ``running``, ends ``completed``, ``failed`` or ``interrupted`` (resumable), and
keeps the inventory's text and hash as they were, so notices built later and resumed runs see
the campaign the run really had.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update

from scanner.core.errors import UserError
from scanner.core.lifecycle import RunStatus
from scanner.store.sql import Aggregate, insert_ignoring_duplicates
from scanner.store.tables import attempts, findings, run_resolutions, runs


@dataclass(frozen=True)
class RunHead:
    """A run's identity and state: what a worker checks before running its jobs."""

    id: int
    profile: str
    status: str
    inventory: str  # the inventory's path when the run started
    inventory_sha256: str


@dataclass(frozen=True)
class RunRow:
    """A run with its attempt counts by status and its finding count."""

    id: int
    campaign: str
    profile: str
    status: str
    started_at: float
    finished_at: float | None
    counts: dict[str, int]
    findings: int


@dataclass(frozen=True)
class RunEnd:
    """A completed run and when it finished (what the summary's history replays up to)."""

    id: int
    finished_at: float | None


class Runs(Aggregate):
    """Runs: created, resumed, finished; listed with their counts."""

    def create(
        self,
        campaign: str,
        profile: str,
        inventory: str,
        sha256: str,
        version: str,
        inventory_text: str = "",
        restricted_to: Collection[tuple[str, str, str]] | None = None,
    ) -> int:
        """A new run in state ``running``; returns its id. ``inventory_text`` keeps the inventory
        as it was, so notices built later describe the campaign the run really had;
        ``restricted_to`` the (entity, asset, check) triples of a verification rescan."""
        with self._store.writer.begin() as conn:
            result = conn.execute(
                insert(runs).values(
                    campaign=campaign,
                    profile=profile,
                    inventory=inventory,
                    inventory_sha256=sha256,
                    scanner_version=version,
                    status=RunStatus.RUNNING.value,
                    started_at=time.time(),
                    inventory_text=inventory_text,
                    restricted_to=None if restricted_to is None else sorted(restricted_to),
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def reopen(self, run_id: int) -> None:
        """Mark an unfinished run running again (it is being resumed)."""
        with self._store.writer.begin() as conn:
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(status=RunStatus.RUNNING.value, finished_at=None)
            )

    def finish(self, run_id: int, status: str, note: str = "") -> None:
        """Mark a run completed, failed or interrupted."""
        with self._store.writer.begin() as conn:
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(status=str(status), finished_at=time.time(), note=note)
            )

    def restricted_to(self, run_id: int) -> set[tuple[str, str, str]] | None:
        """The (entity, asset, check) triples run ``run_id`` was restricted to, or None."""
        value = self._value(runs.c.restricted_to, run_id)
        return None if value is None else {(e, a, c) for e, a, c in value}

    def resolutions(self, run_id: int) -> dict[str, tuple[str, ...]]:
        """Every name run ``run_id`` resolved, with the addresses it kept for it."""
        with self._store.engine.connect() as conn:
            rows = conn.execute(
                select(run_resolutions.c.name, run_resolutions.c.addresses).where(
                    run_resolutions.c.run_id == run_id
                )
            ).all()
        return {str(name): tuple(str(a) for a in addrs) for name, addrs in rows}

    def resolution(self, run_id: int, name: str) -> tuple[str, ...] | None:
        """The addresses run ``run_id`` keeps for ``name``, or None if it never resolved it."""
        with self._store.engine.connect() as conn:
            value = conn.execute(
                select(run_resolutions.c.addresses).where(
                    run_resolutions.c.run_id == run_id, run_resolutions.c.name == name
                )
            ).scalar()
        return None if value is None else tuple(str(a) for a in value)

    def keep_resolutions(
        self, run_id: int, found: Mapping[str, Sequence[str]]
    ) -> dict[str, tuple[str, ...]]:
        """Keep ``found`` (name -> addresses) for run ``run_id`` where the run has no resolution
        of the name yet, and return what the run keeps for each of those names: the first
        process to resolve a name decides its addresses for the whole run."""
        if not found:
            return {}
        with self._store.writer.begin() as conn:
            conn.execute(
                insert_ignoring_duplicates(conn, run_resolutions),
                [
                    {"run_id": run_id, "name": name, "addresses": list(addrs)}
                    for name, addrs in found.items()
                ],
            )
            rows = conn.execute(
                select(run_resolutions.c.name, run_resolutions.c.addresses).where(
                    run_resolutions.c.run_id == run_id,
                    run_resolutions.c.name.in_(list(found)),
                )
            ).all()
        return {str(name): tuple(str(a) for a in addrs) for name, addrs in rows}

    def inventory_text(self, run_id: int) -> str:
        """The inventory file's text as it was when the run started."""
        return str(self._value(runs.c.inventory_text, run_id) or "")

    def scanner_version(self, run_id: int) -> str:
        """The scanner version that started the run."""
        return str(self._value(runs.c.scanner_version, run_id))

    def inventory_sha256(self, run_id: int) -> str:
        """The SHA-256 of the inventory file a run started with."""
        return str(self._value(runs.c.inventory_sha256, run_id) or "")

    def _value(self, column: Any, run_id: int) -> Any:
        with self._store.engine.connect() as conn:
            return conn.execute(select(column).where(runs.c.id == run_id)).scalar()

    def recent(self, limit: int = 50) -> list[RunRow]:
        """The newest runs first, with counts."""
        return self._rows(None, limit)

    def get(self, run_id: int) -> RunRow:
        """One run, or a UserError naming the runs that exist."""
        for row in self._rows(run_id, 1):
            return row
        raise UserError(f"there is no run {run_id} in this store. Fix: see `scanner runs`.")

    def _rows(self, run_id: int | None, limit: int) -> list[RunRow]:
        query = select(runs).order_by(runs.c.id.desc()).limit(limit)
        by_status = select(attempts.c.run_id, attempts.c.status, func.count()).group_by(
            attempts.c.run_id, attempts.c.status
        )
        by_run = select(findings.c.run_id, func.count()).group_by(findings.c.run_id)
        if run_id is not None:
            query = query.where(runs.c.id == run_id)
            by_status = by_status.where(attempts.c.run_id == run_id)
            by_run = by_run.where(findings.c.run_id == run_id)
        with self._store.engine.connect() as conn:
            rows = conn.execute(query).all()
            counts: dict[int, dict[str, int]] = {}
            for rid, status, n in conn.execute(by_status):
                counts.setdefault(rid, {})[status] = n
            nfind: dict[int, int] = dict(conn.execute(by_run).all())
        return [
            RunRow(
                id=r.id,
                campaign=r.campaign,
                profile=r.profile,
                status=r.status,
                started_at=r.started_at,
                finished_at=r.finished_at,
                counts=counts.get(r.id, {}),
                findings=nfind.get(r.id, 0),
            )
            for r in rows
        ]

    def latest_id(self) -> int | None:
        """The newest run's id, or None in an empty store."""
        with self._store.engine.connect() as conn:
            value = conn.execute(select(func.max(runs.c.id))).scalar()
        return int(value) if value is not None else None

    def latest_full_id(self) -> int | None:
        """The newest run that was not a verification rescan (no restriction), or None."""
        with self._store.engine.connect() as conn:
            value = conn.execute(
                select(func.max(runs.c.id)).where(runs.c.restricted_to.is_(None))
            ).scalar()
        return int(value) if value is not None else None

    def head(self, run_id: int) -> RunHead | None:
        """A run's identity and state without its counts (cheap: workers ask per job batch)."""
        with self._store.engine.connect() as conn:
            row = conn.execute(
                select(
                    runs.c.id,
                    runs.c.profile,
                    runs.c.status,
                    runs.c.inventory,
                    runs.c.inventory_sha256,
                ).where(runs.c.id == run_id)
            ).first()
        if row is None:
            return None
        return RunHead(row.id, row.profile, row.status, row.inventory, row.inventory_sha256)

    def latest_since(self, profile: str, started_after: float) -> int | None:
        """The newest run of ``profile`` started at or after ``started_after``, if any."""
        with self._store.engine.connect() as conn:
            value = conn.execute(
                select(runs.c.id)
                .where(runs.c.profile == profile, runs.c.started_at >= started_after)
                .order_by(runs.c.id.desc())
                .limit(1)
            ).scalar()
        return int(value) if value is not None else None

    def completed(self, up_to: int) -> list[RunEnd]:
        """The completed runs up to ``up_to``, oldest first."""
        with self._store.engine.connect() as conn:
            rows = conn.execute(
                select(runs.c.id, runs.c.finished_at)
                .where(runs.c.status == RunStatus.COMPLETED.value, runs.c.id <= up_to)
                .order_by(runs.c.id)
            ).all()
        return [RunEnd(r.id, r.finished_at) for r in rows]

    def unreconciled(self) -> list[int]:
        """Completed runs not yet applied to the issues, oldest first."""
        with self._store.engine.connect() as conn:
            return [
                int(v)
                for v in conn.execute(
                    select(runs.c.id)
                    .where(runs.c.status == RunStatus.COMPLETED.value, runs.c.reconciled.is_(False))
                    .order_by(runs.c.id)
                ).scalars()
            ]
