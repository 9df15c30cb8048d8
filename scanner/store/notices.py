"""The notices aggregate: rectification rounds, the notices served to entities in them, their
ranked items, and the enforcement actions recorded after them.

Issuing notices after a run opens a **round** of the campaign (numbered 1, 2, ...). In a round
each entity gets at most one notice, holding its active issues that are on no notice yet; an
entity's notice in a later round is *supplementary* and cites its previous notice. So an issue is
on at most one notice: a rescan changes the status of the item where it already is. A notice has
a number in the campaign's sequence (``PREFIX-0001``); its items point at issues, with their rank,
risk level and score at the time of issue. The round, numbering, items and the deadlines they fix
are written in one transaction, so two processes issuing notices at once cannot take the same
number. What goes on a notice (ranking, levels, deadlines) is decided by
:mod:`scanner.notices.build`; this module stores it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, func, insert, select, text, update

from scanner.core.errors import UserError
from scanner.core.lifecycle import ACTIVE, ActionKind
from scanner.store.issues import IssueRow, issue_rows
from scanner.store.sql import Aggregate, chunks
from scanner.store.tables import (
    enforcement_actions,
    issues,
    notice_items,
    notices,
    rounds,
    runs,
)


@dataclass(frozen=True)
class NoticeRow:
    """A served notice: its number, campaign, entity, the run it was issued after, and when."""

    id: int
    number: str
    campaign: str
    entity_id: str
    run_id: int
    issued_at: float
    round: int = 1
    supplements: int | None = None  # the earlier notice a supplementary notice cites


@dataclass(frozen=True)
class RoundRow:
    """A rectification round of a campaign: its number, the run it was opened after, when."""

    campaign: str
    number: int
    run_id: int
    opened_at: float


@dataclass(frozen=True)
class ActionRow:
    """An enforcement action recorded against a notice."""

    id: int
    notice_id: int
    kind: ActionKind
    day: str
    amount: float | None
    reference: str
    recorded_by: str
    recorded_at: float
    note: str


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


#: Ranks the active issues of the entities getting a notice (each entity's oldest first, one
#: entity after another) into items: each entity's in the order of its notice, best first.
#: Called once per round, so its reads can serve every entity at once.
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
        """Open the round of run ``run_id`` (once) and issue its notices, in one transaction:
        to each of ``entities`` with active issues seen up to the run that are on no notice yet,
        one notice citing the entity's previous one. The ids of the round's notices.

        A second call for the same run only reads. A run older than the campaign's latest round
        is refused: its round is over.
        """
        with self._store.writer.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Two processes issuing notices of one campaign at once queue here (SQLite's
                # writer lock, taken at BEGIN, does the same): one opens the round, the other
                # then finds it open and reads it.
                key = int.from_bytes(
                    hashlib.sha256(campaign.encode()).digest()[:8], "big", signed=True
                )
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
            opened = conn.execute(
                select(rounds.c.number).where(
                    rounds.c.campaign == campaign, rounds.c.run_id == run_id
                )
            ).scalar()
            if opened is None:
                latest = conn.execute(
                    select(rounds.c.number, rounds.c.run_id)
                    .where(rounds.c.campaign == campaign)
                    .order_by(rounds.c.number.desc())
                    .limit(1)
                ).first()
                if latest is not None and latest.run_id > run_id:
                    raise UserError(
                        f"round {latest.number} of {campaign!r} was opened after run "
                        f"{latest.run_id}; run {run_id} is older, and its round is over. Fix: "
                        f"issue notices after run {latest.run_id} or a later full run."
                    )
                opened = (latest.number if latest is not None else 0) + 1
                conn.execute(
                    insert(rounds).values(
                        campaign=campaign, number=opened, run_id=run_id, opened_at=now
                    )
                )
                self._issue_round(conn, run_id, campaign, prefix, entities, plan, opened, now)
            return [
                int(v)
                for v in conn.execute(
                    select(notices.c.id)
                    .where(notices.c.campaign == campaign, notices.c.run_id == run_id)
                    .order_by(notices.c.id)
                ).scalars()
            ]

    @staticmethod
    def _issue_round(
        conn: Connection,
        run_id: int,
        campaign: str,
        prefix: str,
        entities: Sequence[str],
        plan: Planner,
        round_number: int,
        now: float,
    ) -> None:
        """The notices of a round just opened, with their items and deadlines: a few
        statements for all the entities, whatever their number."""
        listed = select(notice_items.c.issue_id).join(
            notices, notices.c.id == notice_items.c.notice_id
        )
        query = select(issues).where(
            issues.c.state.in_(sorted(s.value for s in ACTIVE)),
            issues.c.first_seen_run <= run_id,
            issues.c.id.not_in(listed.where(notices.c.campaign == campaign)),
        )
        order = list(dict.fromkeys(entities))  # the notices are numbered in this order
        new: dict[str, list[IssueRow]] = {}
        for chunk in chunks(sorted(order)):
            found = conn.execute(query.where(issues.c.entity_id.in_(chunk))).mappings()
            for row in issue_rows(found):
                new.setdefault(row.entity_id, []).append(row)
        served = [e for e in order if e in new]  # nothing new to rectify: no notice this round
        if not served:
            return
        previous = dict(
            conn.execute(
                select(notices.c.entity_id, func.max(notices.c.id))
                .where(notices.c.campaign == campaign)
                .group_by(notices.c.entity_id)
            ).all()
        )
        last = _last_number(conn, prefix)
        heads = [
            {
                "number": f"{prefix}-{last + k:04d}",
                "campaign": campaign,
                "entity_id": entity_id,
                "run_id": run_id,
                "issued_at": now,
                "round": round_number,
                "supplements": previous.get(entity_id),
            }
            for k, entity_id in enumerate(served, start=1)
        ]
        returned = conn.execute(insert(notices).returning(notices.c.number, notices.c.id), heads)
        ids: dict[str, int] = {str(number): int(i) for number, i in returned}
        notice_of = {str(h["entity_id"]): ids[str(h["number"])] for h in heads}
        # each entity's issues oldest first, as one entity's alone were planned before
        rows = [r for e in served for r in sorted(new[e], key=lambda r: r.id)]
        entity_of = {r.id: r.entity_id for r in rows}
        items: list[dict[str, object]] = []
        deadlines: list[dict[str, object]] = []
        ranks: dict[str, int] = {}
        for item in plan(rows):
            entity_id = entity_of[item.issue_id]
            ranks[entity_id] = ranks.get(entity_id, 0) + 1
            items.append(
                {
                    "notice_id": notice_of[entity_id],
                    "issue_id": item.issue_id,
                    "rank": ranks[entity_id],
                    "level": str(item.level),  # a RiskLevel: its value, for every driver
                    "score": item.score,
                }
            )
            if item.deadline is not None:
                deadlines.append({"issue": item.issue_id, "due": item.deadline})
        if items:
            conn.execute(insert(notice_items), items)
        if deadlines:
            conn.execute(
                update(issues)
                .where(issues.c.id == bindparam("issue"))
                .values(deadline=bindparam("due")),
                deadlines,
            )

    def rounds_of(self, campaign: str, up_to_run: int | None = None) -> list[RoundRow]:
        """The campaign's rounds, oldest first (those opened after runs up to ``up_to_run``)."""
        query = select(rounds.c.campaign, rounds.c.number, rounds.c.run_id, rounds.c.opened_at)
        query = query.where(rounds.c.campaign == campaign)
        if up_to_run is not None:
            query = query.where(rounds.c.run_id <= up_to_run)
        with self._store.engine.connect() as conn:
            return [RoundRow(*r) for r in conn.execute(query.order_by(rounds.c.number))]

    def round_of_runs(self) -> dict[int, int]:
        """Run id -> the number of the round it opened, for every run that opened one."""
        with self._store.engine.connect() as conn:
            return {
                int(r): int(n) for r, n in conn.execute(select(rounds.c.run_id, rounds.c.number))
            }

    def of_campaign(self, campaign: str, up_to_run: int | None = None) -> list[NoticeRow]:
        """The campaign's notices in the order they were issued (up to ``up_to_run``'s round)."""
        query = select(notices).where(notices.c.campaign == campaign)
        if up_to_run is not None:
            query = query.where(notices.c.run_id <= up_to_run)
        with self._store.engine.connect() as conn:
            return [NoticeRow(**r) for r in conn.execute(query.order_by(notices.c.id)).mappings()]

    def record_action(
        self,
        notice_id: int,
        *,
        kind: ActionKind,
        day: str,
        amount: float | None,
        reference: str,
        recorded_by: str,
        now: float,
        note: str = "",
    ) -> int:
        """Record an enforcement action against a notice; its id."""
        with self._store.writer.begin() as conn:
            result = conn.execute(
                insert(enforcement_actions).values(
                    notice_id=notice_id,
                    kind=kind.value,
                    day=day,
                    amount=amount,
                    reference=reference,
                    recorded_by=recorded_by,
                    recorded_at=now,
                    note=note,
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def actions(self, notice_ids: Sequence[int] | None = None) -> list[ActionRow]:
        """Enforcement actions, oldest first: of ``notice_ids``, or all."""
        query = select(enforcement_actions).order_by(enforcement_actions.c.id)
        if notice_ids is not None:
            query = query.where(enforcement_actions.c.notice_id.in_(list(notice_ids)))
        with self._store.engine.connect() as conn:
            return [
                ActionRow(**{**r, "kind": ActionKind(r["kind"])})
                for r in conn.execute(query).mappings()
            ]

    def get(self, notice_id: int) -> NoticeRow:
        """One notice by id."""
        with self._store.engine.connect() as conn:
            row = conn.execute(select(notices).where(notices.c.id == notice_id)).mappings().one()
        return NoticeRow(**row)

    def heads(self, notice_ids: Collection[int]) -> dict[int, NoticeRow]:
        """The notices ``notice_ids`` by id (those that exist), a statement per 500."""
        with self._store.engine.connect() as conn:
            return {
                int(r["id"]): NoticeRow(**r)
                for chunk in chunks(sorted(set(notice_ids)))
                for r in conn.execute(select(notices).where(notices.c.id.in_(chunk))).mappings()
            }

    def items(self, notice_id: int) -> list[NoticeItemRow]:
        """A notice's items by rank, each with its issue's current state."""
        return self.items_of([notice_id])[notice_id]

    def items_of(self, notice_ids: Collection[int]) -> dict[int, list[NoticeItemRow]]:
        """The items of each of ``notice_ids`` by rank, each with its issue's current state: a
        statement per 500 notices."""
        found: dict[int, list[NoticeItemRow]] = {int(i): [] for i in notice_ids}
        item_columns = {"notice_id", "rank", "level", "score"}
        with self._store.engine.connect() as conn:
            for chunk in chunks(sorted(found)):
                rows = (
                    conn.execute(
                        select(
                            notice_items.c.notice_id,
                            notice_items.c.rank,
                            notice_items.c.level,
                            notice_items.c.score,
                            issues,
                        )
                        .join(issues, issues.c.id == notice_items.c.issue_id)
                        .where(notice_items.c.notice_id.in_(chunk))
                        .order_by(notice_items.c.notice_id, notice_items.c.rank)
                    )
                    .mappings()
                    .all()
                )
                typed = issue_rows(
                    {k: v for k, v in r.items() if k not in item_columns} for r in rows
                )
                for r, issue in zip(rows, typed, strict=True):
                    found[int(r["notice_id"])].append(
                        NoticeItemRow(
                            rank=r["rank"], level=r["level"], score=r["score"], issue=issue
                        )
                    )
        return found

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
