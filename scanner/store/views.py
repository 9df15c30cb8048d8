"""Read models of the web application: pages of issues, notices and attempts with filters and
keyset pagination, and the grouped counts the dashboard draws.

Every query takes an optional ``entity``: a liaison's pages pass theirs, so a row of another
entity is never read, not merely hidden. Pagination is by id (``after``): a page costs the same
on the first and the thousandth screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, select

from scanner.core.lifecycle import ACTIVE, IssueState
from scanner.core.models import AttemptStatus
from scanner.store.attempts import AttemptRow
from scanner.store.issues import IssueRow, issue_rows
from scanner.store.notices import NoticeRow
from scanner.store.sql import Aggregate
from scanner.store.tables import attempts, issue_events, issues, notice_items, notices, runs

_ACTIVE = sorted(s.value for s in ACTIVE)


@dataclass(frozen=True)
class Page:
    """One page of rows and the cursor of the next (None on the last page)."""

    rows: list[Any]
    next_after: int | None


@dataclass(frozen=True)
class TrendPoint:
    """What one run changed: issues it opened (new or reopened) and closed (seen fixed)."""

    run_id: int
    started_at: float
    opened: int
    closed: int


class Views(Aggregate):
    """Paged and grouped reads for pages and the API."""

    def issues(
        self,
        *,
        entity: str | None = None,
        states: Sequence[str] = (),
        severity: str | None = None,
        check: str | None = None,
        after: int = 0,
        limit: int = 50,
    ) -> Page:
        """Issues by id above ``after``, filtered."""
        query = select(issues).where(issues.c.id > after)
        if entity is not None:
            query = query.where(issues.c.entity_id == entity)
        if states:
            query = query.where(issues.c.state.in_(sorted(states)))
        if severity:
            query = query.where(issues.c.severity == severity)
        if check:
            query = query.where(issues.c.check_id == check)
        with self._store.engine.connect() as conn:
            rows = issue_rows(conn.execute(query.order_by(issues.c.id).limit(limit + 1)).mappings())
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(rows, rows[-1].id if more and rows else None)

    def issue(self, issue_id: int, *, entity: str | None = None) -> IssueRow | None:
        """One issue, only if it belongs to ``entity`` (when given)."""
        query = select(issues).where(issues.c.id == issue_id)
        if entity is not None:
            query = query.where(issues.c.entity_id == entity)
        with self._store.engine.connect() as conn:
            found = issue_rows(conn.execute(query).mappings())
        return found[0] if found else None

    def active_groups(self, *, entity: str | None = None) -> list[tuple[str, str, str, int]]:
        """(entity, asset, severity, count) of the active issues: what risk levels are made
        from (the level depends on nothing else)."""
        query = (
            select(issues.c.entity_id, issues.c.asset_id, issues.c.severity, func.count())
            .where(issues.c.state.in_(_ACTIVE))
            .group_by(issues.c.entity_id, issues.c.asset_id, issues.c.severity)
        )
        if entity is not None:
            query = query.where(issues.c.entity_id == entity)
        with self._store.engine.connect() as conn:
            return [(e, a, s, int(n)) for e, a, s, n in conn.execute(query)]

    def state_counts(self, *, entity: str | None = None) -> dict[str, int]:
        """How many issues are in each state."""
        query = select(issues.c.state, func.count()).group_by(issues.c.state)
        if entity is not None:
            query = query.where(issues.c.entity_id == entity)
        with self._store.engine.connect() as conn:
            counts = {str(s): int(n) for s, n in conn.execute(query)}
        return {s.value: counts.get(s.value, 0) for s in IssueState}

    def overdue(self, now: float, *, entity: str | None = None) -> list[tuple[str, int]]:
        """(entity, count) of active issues past their deadline, most first."""
        n = func.count().label("n")
        query = (
            select(issues.c.entity_id, n)
            .where(issues.c.state.in_(_ACTIVE), issues.c.deadline < now)
            .group_by(issues.c.entity_id)
            .order_by(n.desc(), issues.c.entity_id)
        )
        if entity is not None:
            query = query.where(issues.c.entity_id == entity)
        with self._store.engine.connect() as conn:
            return [(e, int(c)) for e, c in conn.execute(query)]

    def trend(self, *, entity: str | None = None, last: int = 20) -> list[TrendPoint]:
        """Per run, oldest first (the latest ``last`` runs), the issues it opened and closed."""
        active = issue_events.c.to_state.in_(_ACTIVE)
        was_active = issue_events.c.from_state.in_(_ACTIVE)
        query = (
            select(
                issue_events.c.run_id,
                func.sum(case((and_(active, issue_events.c.from_state.is_(None)), 1), else_=0)),
                func.sum(case((and_(active, issue_events.c.from_state.is_not(None)), 1), else_=0)),
                func.sum(case((and_(was_active, ~active), 1), else_=0)),
            )
            .where(issue_events.c.run_id.is_not(None))
            .group_by(issue_events.c.run_id)
        )
        if entity is not None:
            query = query.join(issues, issues.c.id == issue_events.c.issue_id).where(
                issues.c.entity_id == entity
            )
        with self._store.engine.connect() as conn:
            changed = {
                r[0]: (int(r[1] or 0) + int(r[2] or 0), int(r[3] or 0)) for r in conn.execute(query)
            }
            recent = conn.execute(
                select(runs.c.id, runs.c.started_at).order_by(runs.c.id.desc()).limit(last)
            ).all()
        return [
            TrendPoint(rid, started, *changed.get(rid, (0, 0))) for rid, started in reversed(recent)
        ]

    def runs_version(self, last: int = 20) -> tuple[tuple[int, bool], ...]:
        """The latest ``last`` runs and whether each is reconciled: the trend changes only when
        this does (it counts the state changes runs made)."""
        with self._store.engine.connect() as conn:
            rows = conn.execute(
                select(runs.c.id, runs.c.reconciled).order_by(runs.c.id.desc()).limit(last)
            ).all()
        return tuple((int(i), bool(r)) for i, r in rows)

    def version(self) -> tuple[int, int, int]:
        """The newest issue event, notice and run: any change to what the dashboard counts
        changes one of them."""
        with self._store.engine.connect() as conn:
            row = conn.execute(
                select(
                    select(func.max(issue_events.c.id)).scalar_subquery(),
                    select(func.max(notices.c.id)).scalar_subquery(),
                    select(func.max(runs.c.id)).scalar_subquery(),
                )
            ).one()
        return (int(row[0] or 0), int(row[1] or 0), int(row[2] or 0))

    def entity_ids(self) -> list[str]:
        """Every entity that has issues or notices."""
        with self._store.engine.connect() as conn:
            found = set(conn.execute(select(issues.c.entity_id).distinct()).scalars())
            found |= set(conn.execute(select(notices.c.entity_id).distinct()).scalars())
        return sorted(found)

    def notices(self, *, entity: str | None = None, after: int = 0, limit: int = 50) -> Page:
        """Notices by id above ``after``."""
        query = select(notices).where(notices.c.id > after)
        if entity is not None:
            query = query.where(notices.c.entity_id == entity)
        with self._store.engine.connect() as conn:
            rows = [
                NoticeRow(**r)
                for r in conn.execute(query.order_by(notices.c.id).limit(limit + 1)).mappings()
            ]
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(rows, rows[-1].id if more and rows else None)

    def notice(self, notice_id: int, *, entity: str | None = None) -> NoticeRow | None:
        """One notice, only if it was served to ``entity`` (when given)."""
        query = select(notices).where(notices.c.id == notice_id)
        if entity is not None:
            query = query.where(notices.c.entity_id == entity)
        with self._store.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return NoticeRow(**row) if row else None

    def notices_of_issue(self, issue_id: int) -> list[NoticeRow]:
        """The notices an issue is an item of."""
        query = (
            select(notices)
            .join(notice_items, notice_items.c.notice_id == notices.c.id)
            .where(notice_items.c.issue_id == issue_id)
            .order_by(notices.c.id)
        )
        with self._store.engine.connect() as conn:
            return [NoticeRow(**r) for r in conn.execute(query).mappings()]

    def attempts(
        self,
        run_id: int,
        *,
        statuses: Sequence[str] = (),
        entity: str | None = None,
        after: int = 0,
        limit: int = 100,
    ) -> Page:
        """A run's attempts by id above ``after``, filtered by status."""
        query = select(attempts).where(attempts.c.run_id == run_id, attempts.c.id > after)
        if statuses:
            query = query.where(attempts.c.status.in_(sorted(statuses)))
        if entity is not None:
            query = query.where(attempts.c.entity_id == entity)
        with self._store.engine.connect() as conn:
            rows = [
                AttemptRow(**{**r, "status": AttemptStatus(r["status"])})
                for r in conn.execute(query.order_by(attempts.c.id).limit(limit + 1)).mappings()
            ]
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(rows, rows[-1].id if more and rows else None)
