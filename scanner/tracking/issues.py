"""Tracking fixes across runs: reconcile a run's findings with the issues of earlier runs.

An issue is a finding followed across runs by its fingerprint. States: ``open``, ``fixed``,
``reopened``, ``accepted`` (a waiver) and ``false_positive``. Every transition is an
``issue_events`` row with its run, time, reason and actor: the audit trail, and the only way a
state changes.

Coverage decides fixes. An issue not seen in a run becomes ``fixed`` only when the same check ran
on the same target in that run and came to a conclusion without it (``pass``, or ``fail`` with
other findings), or found the thing it inspects gone while the host answered
(``not_applicable``). An error, a timeout, a skipped or unreachable host, or a check outside the
run's profile proves nothing: the issue stays as it was and is counted as *could not verify*,
with the reason. "Not seen" is never "fixed".

Reconciliation is set-based SQL (no per-issue Python loop), so a run of 100,000 findings against
a store of 1,000,000 issues takes seconds. It runs once per run (``runs.reconciled``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    update,
)

from scanner.core.errors import UserError
from scanner.store import Store
from scanner.store.tables import attempts, findings, issue_events, issues, runs

ACTIVE = ("open", "reopened")
STATES = ("open", "fixed", "reopened", "accepted", "false_positive")
EVENT_COLUMNS = ["issue_id", "run_id", "at", "from_state", "to_state", "reason", "actor"]


@dataclass
class ReconcileReport:
    """What a run changed in the issues, and what it could not verify (by reason)."""

    run_id: int
    new: int = 0
    fixed: int = 0
    reopened: int = 0
    still_open: int = 0
    waivers_expired: int = 0
    not_verified: dict[str, int] = field(default_factory=dict)

    @property
    def could_not_verify(self) -> int:
        """Open issues this run could not confirm either way."""
        return sum(self.not_verified.values())

    def line(self) -> str:
        """One line for the terminal."""
        why = "; ".join(f"{n} {reason}" for reason, n in sorted(self.not_verified.items()))
        return (
            f"issues: {self.new} new, {self.fixed} fixed, {self.reopened} reopened, "
            f"{self.still_open} still open, {self.could_not_verify} could not verify"
            + (f" ({why})" if why else "")
        )


def reconcile(store: Store, run_id: int, now: float | None = None) -> ReconcileReport:
    """Apply run ``run_id`` to the issues, once; a second call only reports."""
    now = time.time() if now is None else now
    with store.writer.begin() as conn:
        done = conn.execute(select(runs.c.reconciled).where(runs.c.id == run_id)).scalar()
        if done is None:
            raise UserError(f"there is no run {run_id} in this store. Fix: see `scanner runs`.")
        if not done:
            _apply(conn, run_id, now)
            conn.execute(update(runs).where(runs.c.id == run_id).values(reconciled=True))
        return _report(conn, run_id)


def reconcile_pending(store: Store, now: float | None = None) -> dict[int, ReconcileReport]:
    """Reconcile, oldest first, every completed run that was not (a crash between a run's end
    and its reconciliation leaves one behind)."""
    with store.engine.connect() as conn:
        pending = (
            conn.execute(
                select(runs.c.id)
                .where(runs.c.status == "completed", runs.c.reconciled.is_(False))
                .order_by(runs.c.id)
            )
            .scalars()
            .all()
        )
    return {run_id: reconcile(store, run_id, now) for run_id in pending}


def _seen(run_id: int) -> Any:
    return select(findings.c.fingerprint).where(findings.c.run_id == run_id)


def _apply(conn: Connection, run_id: int, now: float) -> None:
    f, a = findings, attempts
    # New issues, from this run's findings never seen before.
    conn.execute(
        insert(issues).from_select(
            [
                "fingerprint",
                "entity_id",
                "asset_id",
                "check_id",
                "location",
                "target_location",
                "severity",
                "state",
                "evidence",
                "first_seen_run",
                "last_seen_run",
                "first_seen_at",
                "last_seen_at",
            ],
            select(
                f.c.fingerprint,
                f.c.entity_id,
                f.c.asset_id,
                f.c.check_id,
                f.c.location,
                a.c.location,
                f.c.severity,
                literal("open"),
                f.c.evidence,
                literal(run_id),
                literal(run_id),
                literal(now),
                literal(now),
            )
            .select_from(f.join(a, a.c.id == f.c.attempt_id))
            .where(
                f.c.run_id == run_id,
                ~exists(select(1).where(issues.c.fingerprint == f.c.fingerprint)),
            ),
        )
    )
    _events(
        conn,
        run_id,
        now,
        issues.c.first_seen_run == run_id,
        "open",
        "first seen",
        from_state=null(),
    )
    seen = _seen(run_id)
    _events(
        conn,
        run_id,
        now,
        and_(issues.c.state == "fixed", issues.c.fingerprint.in_(seen)),
        "reopened",
        "seen again after it was fixed",
    )
    _events(
        conn,
        run_id,
        now,
        and_(
            issues.c.state.in_((*ACTIVE, "accepted")),
            issues.c.fingerprint.not_in(seen),
            issues.c.id.in_(_covered_issues(run_id)),
        ),
        "fixed",
        "the check ran on the same target and no longer finds it",
    )
    _events(
        conn,
        run_id,
        now,
        and_(issues.c.state == "accepted", issues.c.waiver_until < now),
        "reopened",
        "the waiver expired",
    )
    # Each issue has at most one event per run (``_events`` skips issues already moved), so the
    # new state is a plain join (UPDATE ... FROM on SQLite and PostgreSQL alike).
    conn.execute(
        update(issues)
        .values(state=issue_events.c.to_state)
        .where(
            issues.c.id == issue_events.c.issue_id,
            issue_events.c.run_id == run_id,
            issue_events.c.from_state.is_not(None),
        )
    )
    evidence = (
        select(f.c.evidence)
        .where(f.c.run_id == run_id, f.c.fingerprint == issues.c.fingerprint)
        .scalar_subquery()
    )
    conn.execute(
        update(issues)
        .where(issues.c.fingerprint.in_(seen), issues.c.first_seen_run != run_id)
        .values(last_seen_run=run_id, last_seen_at=now, evidence=evidence)
    )


def _concludes(a: Any, of: Any, where: Any) -> ColumnElement[bool]:
    """Attempt ``a`` concludes on the target ``where`` of row ``of`` (same check, entity and
    asset): it ran there and decided, or found the inspected thing gone while the host answered."""
    prefix = func.substr(where, 1, func.length(a.c.location) + 1)
    return and_(
        a.c.check_id == of.c.check_id,
        a.c.entity_id == of.c.entity_id,
        a.c.asset_id == of.c.asset_id,
        or_(
            and_(a.c.status.in_(("pass", "fail")), a.c.location == where),
            and_(
                a.c.status == "not_applicable",
                or_(
                    a.c.location == where,
                    a.c.location.in_(("host", "onsite")),  # no such service on the host
                    prefix == a.c.location + ":",  # a range: no such service on that address
                ),
            ),
        ),
    )


def _covered_issues(run_id: int) -> Any:
    """Ids of issues on whose target an attempt of ``run_id`` concluded; driven by the run's
    attempts (an index join), not by a probe per stored issue."""
    a = attempts.alias("covering")
    return (
        select(issues.c.id)
        .select_from(
            a.join(
                issues,
                and_(
                    issues.c.entity_id == a.c.entity_id,
                    issues.c.asset_id == a.c.asset_id,
                    issues.c.check_id == a.c.check_id,
                ),
            )
        )
        .where(a.c.run_id == run_id, _concludes(a, issues, issues.c.target_location))
    )


def _events(
    conn: Connection,
    run_id: int,
    now: float,
    where: ColumnElement[bool],
    to_state: str,
    reason: str,
    *,
    from_state: Any = None,
) -> None:
    """Record a transition for every issue matching ``where`` not already moved in this run."""
    already = select(issue_events.c.issue_id).where(issue_events.c.run_id == run_id)
    conn.execute(
        insert(issue_events).from_select(
            EVENT_COLUMNS,
            select(
                issues.c.id,
                literal(run_id),
                literal(now),
                issues.c.state if from_state is None else from_state,
                literal(to_state),
                literal(reason),
                literal("scanner"),
            ).where(where, issues.c.id.not_in(already)),
        )
    )


def _report(conn: Connection, run_id: int) -> ReconcileReport:
    report = ReconcileReport(run_id=run_id)
    for from_state, to_state, reason, n in conn.execute(
        select(
            issue_events.c.from_state, issue_events.c.to_state, issue_events.c.reason, func.count()
        )
        .where(issue_events.c.run_id == run_id)
        .group_by(issue_events.c.from_state, issue_events.c.to_state, issue_events.c.reason)
    ):
        if from_state is None:
            report.new += n
        elif to_state == "fixed":
            report.fixed += n
        elif to_state == "reopened":
            report.reopened += n
            if reason == "the waiver expired":
                report.waivers_expired += n
    seen = _seen(run_id)
    report.still_open = conn.execute(
        select(func.count()).where(
            issues.c.fingerprint.in_(seen),
            issues.c.state.in_(ACTIVE),
            issues.c.first_seen_run != run_id,
        )
    ).scalar_one()
    report.not_verified = _not_verified(conn, run_id)
    return report


def _not_verified(conn: Connection, run_id: int) -> dict[str, int]:
    """Active issues this run neither saw nor moved, counted by why it could not tell."""
    a, i = attempts, issues
    moved = select(issue_events.c.issue_id).where(issue_events.c.run_id == run_id)
    open_unseen = and_(
        i.c.state.in_(ACTIVE), i.c.fingerprint.not_in(_seen(run_id)), i.c.id.not_in(moved)
    )
    total = conn.execute(select(func.count()).where(open_unseen)).scalar_one()
    reason = case(
        (a.c.status == "error", "error: " + func.coalesce(a.c.error_reason, "unknown")),
        (a.c.status == "skipped", "skipped: " + a.c.reason),
        else_="not applicable: " + a.c.reason,
    )
    rows = conn.execute(
        select(reason, func.count(func.distinct(i.c.id)))
        .select_from(
            a.join(
                i,
                and_(
                    i.c.entity_id == a.c.entity_id,
                    i.c.asset_id == a.c.asset_id,
                    i.c.check_id == a.c.check_id,
                    i.c.target_location == a.c.location,
                ),
            )
        )
        .where(
            a.c.run_id == run_id,
            a.c.status.in_(("error", "skipped", "not_applicable")),
            open_unseen,
        )
        .group_by(reason)
    )
    counts = {str(r): int(n) for r, n in rows}
    rest = total - sum(counts.values())
    if rest:
        counts["not checked in this run (profile, inventory or target changed)"] = rest
    return counts


# -- decisions by people --------------------------------------------------------------------


def waive(
    store: Store,
    issue_id: int,
    *,
    reason: str,
    approver: str,
    until: float,
    now: float | None = None,
) -> None:
    """Accept an issue until ``until`` (a waiver); it leaves notices and survives rescans."""
    now = time.time() if now is None else now
    if not reason.strip() or not approver.strip():
        raise UserError("a waiver needs --reason and --approver. Fix: give both.")
    if until <= now:
        raise UserError("the waiver's --until date is not in the future. Fix: give a later date.")
    _decide(
        store,
        issue_id,
        "accepted",
        f"waived until {_date(until)}: {reason}",
        approver,
        now,
        waiver_reason=reason,
        waiver_approver=approver,
        waiver_until=until,
    )


def false_positive(
    store: Store, issue_id: int, *, reason: str, actor: str = "inspector", now: float | None = None
) -> None:
    """Mark an issue a false positive; it leaves notices and survives rescans."""
    if not reason.strip():
        raise UserError("a false positive needs --reason. Fix: say why the finding is wrong.")
    _decide(store, issue_id, "false_positive", reason, actor, time.time() if now is None else now)


def _decide(
    store: Store, issue_id: int, to_state: str, reason: str, actor: str, now: float, **values: Any
) -> None:
    with store.writer.begin() as conn:
        state = conn.execute(select(issues.c.state).where(issues.c.id == issue_id)).scalar()
        if state is None:
            raise UserError(f"there is no issue {issue_id}. Fix: see `scanner issues`.")
        if state == "fixed":
            raise UserError(f"issue {issue_id} is already fixed; there is nothing to waive.")
        conn.execute(
            insert(issue_events).values(
                issue_id=issue_id,
                run_id=None,
                at=now,
                from_state=state,
                to_state=to_state,
                reason=reason,
                actor=actor,
            )
        )
        conn.execute(update(issues).where(issues.c.id == issue_id).values(state=to_state, **values))


def _date(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


# -- reading ----------------------------------------------------------------------------------


def list_issues(
    store: Store,
    *,
    states: Sequence[str] = (),
    entity: str | None = None,
    overdue_at: float | None = None,
) -> list[dict[str, Any]]:
    """Issues as dicts, filtered; ``overdue_at`` keeps active issues past their deadline."""
    query = select(issues)
    if states:
        query = query.where(issues.c.state.in_(states))
    if entity:
        query = query.where(issues.c.entity_id == entity)
    if overdue_at is not None:
        query = query.where(issues.c.state.in_(ACTIVE), issues.c.deadline < overdue_at)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query.order_by(issues.c.id)).mappings()]


def history(store: Store, issue_id: int) -> list[dict[str, Any]]:
    """The audit trail of one issue, oldest first."""
    with store.engine.connect() as conn:
        rows = [
            dict(r)
            for r in conn.execute(
                select(issue_events)
                .where(issue_events.c.issue_id == issue_id)
                .order_by(issue_events.c.id)
            ).mappings()
        ]
    if not rows:
        raise UserError(f"there is no issue {issue_id}. Fix: see `scanner issues`.")
    return rows


# -- comparing two runs ---------------------------------------------------------------------


@dataclass
class RunDiff:
    """What changed from run ``a`` to run ``b``, item by item."""

    a: int
    b: int
    new: list[dict[str, Any]] = field(default_factory=list)
    fixed: list[dict[str, Any]] = field(default_factory=list)
    reopened: list[dict[str, Any]] = field(default_factory=list)
    still_open: list[dict[str, Any]] = field(default_factory=list)
    could_not_verify: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Items per category."""
        return {
            k: len(getattr(self, k))
            for k in ("new", "fixed", "reopened", "still_open", "could_not_verify")
        }


def diff(store: Store, run_a: int, run_b: int) -> RunDiff:
    """Compare the findings of two runs with the same coverage rule as reconciliation."""
    for run_id in (run_a, run_b):
        store.run(run_id)
    f, a = findings, attempts
    cols = [
        f.c.fingerprint,
        f.c.entity_id,
        f.c.asset_id,
        f.c.check_id,
        f.c.location,
        f.c.severity,
        f.c.evidence,
    ]
    result = RunDiff(a=run_a, b=run_b)
    in_a = select(f.c.fingerprint).where(f.c.run_id == run_a)
    in_b = select(f.c.fingerprint).where(f.c.run_id == run_b)
    reopened = select(issues.c.fingerprint).where(
        issues.c.id.in_(
            select(issue_events.c.issue_id).where(
                issue_events.c.run_id == run_b, issue_events.c.to_state == "reopened"
            )
        )
    )
    with store.engine.connect() as conn:

        def rows(query: Any) -> list[dict[str, Any]]:
            return [dict(r) for r in conn.execute(query.order_by(f.c.fingerprint)).mappings()]

        result.new = rows(
            select(*cols).where(
                f.c.run_id == run_b, f.c.fingerprint.not_in(in_a), f.c.fingerprint.not_in(reopened)
            )
        )
        result.reopened = rows(
            select(*cols).where(f.c.run_id == run_b, f.c.fingerprint.in_(reopened))
        )
        result.still_open = rows(
            select(*cols).where(
                f.c.run_id == run_b, f.c.fingerprint.in_(in_a), f.c.fingerprint.not_in(reopened)
            )
        )
        gone = (
            select(*cols)
            .select_from(f.join(a, a.c.id == f.c.attempt_id))
            .where(f.c.run_id == run_a, f.c.fingerprint.not_in(in_b))
        )
        b = attempts.alias("covering")  # never correlated with the attempts joined above
        covered = exists(select(1).where(b.c.run_id == run_b, _concludes(b, f, a.c.location)))
        result.fixed = rows(gone.where(covered))
        result.could_not_verify = rows(gone.where(~covered))
    return result
