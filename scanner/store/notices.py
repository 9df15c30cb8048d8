"""The notices aggregate: rectification notices served to entities, and their ranked items.

A notice is one per entity and run, with a number in the campaign's sequence (``PREFIX-0001``);
its items point at issues, with their rank, risk level and score at the time of issue. Numbering,
items and the deadlines they fix are written in one transaction, so two processes issuing notices
at once cannot take the same number. What goes on a notice (ranking, levels, deadlines) is
decided by :mod:`scanner.notices.build`; this module stores it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from scanner.core.errors import UserError
from scanner.core.lifecycle import ACTIVE
from scanner.store.issues import IssueRow, issue_rows
from scanner.store.sql import Aggregate
from scanner.store.tables import issues, notice_items, notices, runs


@dataclass(frozen=True)
class NoticeRow:
    """A served notice: its number, campaign, entity, the run it was issued after, and when."""

    id: int
    number: str
    campaign: str
    entity_id: str
    run_id: int
    issued_at: float


@dataclass(frozen=True)
class NoticeItemRow:
    """One item of a notice: its rank, level and score, and the issue as it is now."""

    rank: int
    level: str
    score: float
    issue: IssueRow


@dataclass(frozen=True)
class PlannedItem:
    """An item about to be put on a new notice; ``deadline`` is set on the issue unless None
    (an issue keeps the deadline it got on its first notice)."""

    issue_id: int
    level: str
    score: float
    deadline: float | None


@dataclass(frozen=True)
class PassedDeadline:
    """An active item of a notice whose deadline has passed."""

    notice_id: int
    number: str
    entity_id: str
    deadline: float


#: Ranks an entity's active issues into the items of its new notice, best first.
Planner = Callable[[list[IssueRow]], Sequence[PlannedItem]]


class Notices(Aggregate):
    """Notices and their items: issued once per entity and run, then read."""

    def issue(
        self,
        run_id: int,
        *,
        campaign: str,
        prefix: str,
        entities: Sequence[str],
        plan: Planner,
        now: float,
    ) -> list[int]:
        """Issue, in one transaction, a notice to each of ``entities`` that has none for run
        ``run_id`` yet and has active issues last seen in it; the ids of the run's notices."""
        active = sorted(s.value for s in ACTIVE)
        with self._store.writer.begin() as conn:
            for entity_id in entities:
                exists = conn.execute(
                    select(notices.c.id).where(
                        notices.c.run_id == run_id, notices.c.entity_id == entity_id
                    )
                ).scalar()
                if exists is not None:
                    continue
                rows = issue_rows(
                    conn.execute(
                        select(issues).where(
                            issues.c.entity_id == entity_id,
                            issues.c.state.in_(active),
                            issues.c.last_seen_run == run_id,
                        )
                    ).mappings()
                )
                if not rows:
                    continue  # nothing to rectify: no notice
                notice_id = conn.execute(
                    insert(notices).values(
                        number=f"{prefix}-{_last_number(conn, prefix) + 1:04d}",
                        campaign=campaign,
                        entity_id=entity_id,
                        run_id=run_id,
                        issued_at=now,
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
                for rank, item in enumerate(plan(rows), start=1):
                    conn.execute(
                        insert(notice_items).values(
                            notice_id=notice_id,
                            issue_id=item.issue_id,
                            rank=rank,
                            level=str(item.level),  # a RiskLevel: its value, for every driver
                            score=item.score,
                        )
                    )
                    if item.deadline is not None:
                        conn.execute(
                            update(issues)
                            .where(issues.c.id == item.issue_id)
                            .values(deadline=item.deadline)
                        )
            return [
                int(v)
                for v in conn.execute(
                    select(notices.c.id).where(notices.c.run_id == run_id).order_by(notices.c.id)
                ).scalars()
            ]

    def get(self, notice_id: int) -> NoticeRow:
        """One notice by id."""
        with self._store.engine.connect() as conn:
            row = conn.execute(select(notices).where(notices.c.id == notice_id)).mappings().one()
        return NoticeRow(**row)

    def items(self, notice_id: int) -> list[NoticeItemRow]:
        """A notice's items by rank, each with its issue's current state."""
        with self._store.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(notice_items.c.rank, notice_items.c.level, notice_items.c.score, issues)
                    .join(issues, issues.c.id == notice_items.c.issue_id)
                    .where(notice_items.c.notice_id == notice_id)
                    .order_by(notice_items.c.rank)
                )
                .mappings()
                .all()
            )
        item_columns = {"rank", "level", "score"}
        found = issue_rows({k: v for k, v in r.items() if k not in item_columns} for r in rows)
        return [
            NoticeItemRow(rank=r["rank"], level=r["level"], score=r["score"], issue=issue)
            for r, issue in zip(rows, found, strict=True)
        ]

    def id_of(self, number: str) -> int:
        """The id of notice ``number``, or a UserError naming the latest numbers."""
        with self._store.engine.connect() as conn:
            found = conn.execute(select(notices.c.id).where(notices.c.number == number)).scalar()
            if found is None:
                known = (
                    conn.execute(select(notices.c.number).order_by(notices.c.id.desc()).limit(5))
                    .scalars()
                    .all()
                )
                hint = f" (latest: {', '.join(known)})" if known else " (there are none yet)"
                raise UserError(f"there is no notice {number}{hint}. Fix: see `scanner notices`.")
        return int(found)

    def passed_deadlines(self, campaign: str, profile: str, now: float) -> list[PassedDeadline]:
        """The active items, of notices of ``campaign`` issued after runs of ``profile``, whose
        deadline has passed by ``now``."""
        query = (
            select(notices.c.id, notices.c.number, notices.c.entity_id, issues.c.deadline)
            .join(runs, runs.c.id == notices.c.run_id)
            .join(notice_items, notice_items.c.notice_id == notices.c.id)
            .join(issues, issues.c.id == notice_items.c.issue_id)
            .where(
                notices.c.campaign == campaign,
                runs.c.profile == profile,
                issues.c.state.in_(sorted(s.value for s in ACTIVE)),
                issues.c.deadline.is_not(None),
                issues.c.deadline <= now,
            )
        )
        with self._store.engine.connect() as conn:
            return [
                PassedDeadline(notice_id, number, entity_id, float(deadline))
                for notice_id, number, entity_id, deadline in conn.execute(query)
            ]


def _last_number(conn: Connection, prefix: str) -> int:
    """The highest sequence number of the notices numbered ``PREFIX-NNNN`` (0 for none).

    The prefix is matched literally (``%`` and ``_`` are escaped, not LIKE wildcards), and
    only a run of digits may follow it: ``A-B-0001`` is not in the sequence of ``A``. The
    highest number, not the count, so a gap (numbers counted wrongly before) never makes the
    next number one already served.
    """
    head = f"{prefix}-"
    numbers = conn.execute(
        select(notices.c.number).where(notices.c.number.startswith(head, autoescape=True))
    ).scalars()
    tails = (n.removeprefix(head) for n in numbers)
    return max((int(t) for t in tails if t.isascii() and t.isdigit()), default=0)
