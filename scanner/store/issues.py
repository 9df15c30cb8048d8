"""The issues aggregate: findings tracked across runs by fingerprint, and their audit trail.

Every state change is an ``issue_events`` row (run, time, from and to state, reason, actor) and
follows :data:`scanner.core.lifecycle.ISSUE_TRANSITIONS`: the set-based reconciliation below takes
each observation's from-states from :func:`~scanner.core.lifecycle.sources` and its to-state from
the table, and people's decisions go through :func:`~scanner.core.lifecycle.next_state`.

Reconciliation is set-based SQL (no per-issue Python loop), so a run of 100,000 findings against
a store of 1,000,000 issues takes seconds. It runs once per run: the transaction that applies a
run first claims it (``runs.reconciled`` set where it was false), so two processes reconciling
one run at once apply it once. Which
attempts prove a fix (the coverage rule) is :func:`_concludes`; :mod:`scanner.tracking.issues`
explains it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
from scanner.core.lifecycle import (
    ACTIVE,
    ISSUE_TRANSITIONS,
    IssueEvent,
    IssueState,
    next_state,
    sources,
)
from scanner.core.models import AttemptStatus, Severity
from scanner.store.sql import Aggregate
from scanner.store.tables import attempts, findings, issue_events, issues, runs

EVENT_COLUMNS = ["issue_id", "run_id", "at", "from_state", "to_state", "reason", "actor"]

#: The reason recorded with each observation a run makes (the audit trail's wording).
REASONS: dict[IssueEvent, str] = {
    IssueEvent.FIRST_SEEN: "first seen",
    IssueEvent.SEEN_AGAIN: "seen again after it was fixed",
    IssueEvent.SEEN_FIXED: "the check ran on the same target and no longer finds it",
    IssueEvent.WAIVER_EXPIRED: "the waiver expired",
}


@dataclass(frozen=True)
class IssueRow:
    """A tracked issue.

    Attributes:
        id / fingerprint: its row and its identity (entity, asset, check, location).
        entity_id / asset_id / check_id / location: where it is.
        target_location: the location of the attempt that found it (what must run again).
        severity / state / evidence: the check's severity, where the issue stands, the latest
            evidence.
        first_seen_run / last_seen_run / first_seen_at / last_seen_at: when runs saw it.
        deadline: fixed when it first appears on a notice, else None.
        waiver_reason / waiver_approver / waiver_until: the waiver, once one was given.
    """

    id: int
    fingerprint: str
    entity_id: str
    asset_id: str
    check_id: str
    location: str
    target_location: str
    severity: Severity
    state: IssueState
    evidence: str
    first_seen_run: int
    last_seen_run: int
    first_seen_at: float
    last_seen_at: float
    deadline: float | None
    waiver_reason: str | None
    waiver_approver: str | None
    waiver_until: float | None


@dataclass(frozen=True)
class IssueEventRow:
    """One transition of an issue: by a run (``run_id``) or by a person (``actor``)."""

    id: int
    issue_id: int
    run_id: int | None
    at: float
    from_state: IssueState | None
    to_state: IssueState
    reason: str
    actor: str


@dataclass(frozen=True)
class Waiver:
    """Why, by whom and until when an issue's risk is accepted."""

    reason: str
    approver: str
    until: float


@dataclass(frozen=True)
class FindingChange:
    """A finding as two runs are compared (one item of :class:`RunDiff`)."""

    fingerprint: str
    entity_id: str
    asset_id: str
    check_id: str
    location: str
    severity: Severity
    evidence: str


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


DIFF_GROUPS = (
    "new",
    "fixed",
    "reopened",
    "still_open",
    "could_not_verify",
    "not_checked_in_a",
    "not_checked_in_b",
)


@dataclass
class RunDiff:
    """What changed from run ``a`` to run ``b``, item by item.

    A run *checked* a finding's asset with its check when one of its attempts of that check on
    that asset concluded (pass, fail, not applicable): not when the asset was outside a
    verification rescan's restriction, the check outside the run's profile, or the host did not
    answer (skipped) or every attempt ended in error. A finding of ``b`` that ``a`` did not have
    is *new* only when ``a`` checked there, else *not checked in a*. A finding of ``a`` missing
    from ``b`` is *fixed* when ``b`` concluded on its very target, *could not verify* when ``b``
    checked the asset but not that target, else *not checked in b*.
    """

    a: int
    b: int
    new: list[FindingChange] = field(default_factory=list)
    fixed: list[FindingChange] = field(default_factory=list)
    reopened: list[FindingChange] = field(default_factory=list)
    still_open: list[FindingChange] = field(default_factory=list)
    could_not_verify: list[FindingChange] = field(default_factory=list)
    not_checked_in_a: list[FindingChange] = field(default_factory=list)
    not_checked_in_b: list[FindingChange] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Items per category."""
        return {k: len(getattr(self, k)) for k in DIFF_GROUPS}


class Issues(Aggregate):
    """Issues and their events: reconciliation, decisions, listing, history, run diffs."""

    def reconcile(self, run_id: int, now: float) -> ReconcileReport:
        """Apply run ``run_id`` to the issues, once; a second call only reports."""
        with self._store.writer.begin() as conn:
            # The claim: only the transaction whose UPDATE changed the row applies the run. On
            # PostgreSQL a second one waits on the row lock and, once the first commits, finds
            # no row to change; SQLite's writer lock (BEGIN IMMEDIATE) serialises them anyway.
            claimed = conn.execute(
                update(runs)
                .where(runs.c.id == run_id, runs.c.reconciled.is_(False))
                .values(reconciled=True)
            ).rowcount
            if claimed == 1:
                _apply(conn, run_id, now)
            elif conn.execute(select(runs.c.id).where(runs.c.id == run_id)).first() is None:
                raise UserError(f"there is no run {run_id} in this store. Fix: see `scanner runs`.")
            return _report(conn, run_id)

    def decide(
        self,
        issue_id: int,
        event: IssueEvent,
        reason: str,
        actor: str,
        now: float,
        waiver: Waiver | None = None,
    ) -> None:
        """Record a person's decision on an issue; InvalidTransition if its state refuses it."""
        values: dict[str, Any] = {}
        if waiver is not None:
            values = {
                "waiver_reason": waiver.reason,
                "waiver_approver": waiver.approver,
                "waiver_until": waiver.until,
            }
        with self._store.writer.begin() as conn:
            state = conn.execute(select(issues.c.state).where(issues.c.id == issue_id)).scalar()
            if state is None:
                raise UserError(f"there is no issue {issue_id}. Fix: see `scanner issues`.")
            to_state = next_state(IssueState(state), event)
            conn.execute(
                insert(issue_events).values(
                    issue_id=issue_id,
                    run_id=None,
                    at=now,
                    from_state=state,
                    to_state=to_state.value,
                    reason=reason,
                    actor=actor,
                )
            )
            conn.execute(
                update(issues).where(issues.c.id == issue_id).values(state=to_state.value, **values)
            )

    def find(
        self,
        *,
        states: Sequence[str] = (),
        entity: str | None = None,
        overdue_at: float | None = None,
        seen_in: int | None = None,
    ) -> list[IssueRow]:
        """Issues by id, filtered: in ``states``, of ``entity``, active and past their deadline
        at ``overdue_at``, last seen in run ``seen_in``."""
        query = select(issues)
        if states:
            query = query.where(issues.c.state.in_(states))
        if entity:
            query = query.where(issues.c.entity_id == entity)
        if overdue_at is not None:
            query = query.where(issues.c.state.in_(_values(ACTIVE)), issues.c.deadline < overdue_at)
        if seen_in is not None:
            query = query.where(issues.c.last_seen_run == seen_in)
        with self._store.engine.connect() as conn:
            return issue_rows(conn.execute(query.order_by(issues.c.id)).mappings())

    def get(self, issue_id: int) -> IssueRow:
        """One issue, or a UserError."""
        with self._store.engine.connect() as conn:
            found = issue_rows(
                conn.execute(select(issues).where(issues.c.id == issue_id)).mappings()
            )
        if not found:
            raise UserError(f"there is no issue {issue_id}. Fix: see `scanner issues`.")
        return found[0]

    def history(self, issue_id: int) -> list[IssueEventRow]:
        """The audit trail of one issue, oldest first."""
        rows = self._events(issue_events.c.issue_id == issue_id)
        if not rows:
            raise UserError(f"there is no issue {issue_id}. Fix: see `scanner issues`.")
        return rows

    def all_events(self) -> list[IssueEventRow]:
        """Every issue's transitions, in the order they happened."""
        return self._events(None)

    def _events(self, where: ColumnElement[bool] | None) -> list[IssueEventRow]:
        query = select(issue_events).order_by(issue_events.c.id)
        if where is not None:
            query = query.where(where)
        with self._store.engine.connect() as conn:
            return [
                IssueEventRow(
                    **{
                        **r,
                        "from_state": IssueState(r["from_state"]) if r["from_state"] else None,
                        "to_state": IssueState(r["to_state"]),
                    }
                )
                for r in conn.execute(query).mappings()
            ]

    def inconclusive_since_seen(self, up_to: int) -> set[int]:
        """Ids of active issues that a run after the one that last saw them (up to run
        ``up_to``) tried to check and could not tell: an error, skipped or not-applicable
        attempt on the issue's target (a conclusive one would have fixed it or seen it)."""
        a, i = attempts, issues
        inconclusive = (AttemptStatus.ERROR, AttemptStatus.SKIPPED, AttemptStatus.NOT_APPLICABLE)
        query = (
            select(i.c.id)
            .distinct()
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
                i.c.state.in_(_values(ACTIVE)),
                a.c.run_id > i.c.last_seen_run,
                a.c.run_id <= up_to,
                a.c.status.in_([s.value for s in inconclusive]),
            )
        )
        with self._store.engine.connect() as conn:
            return {int(v) for v in conn.execute(query).scalars()}

    def diff(self, run_a: int, run_b: int) -> RunDiff:
        """Compare the findings of two runs with the same coverage rule as reconciliation."""
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
                    issue_events.c.run_id == run_b,
                    issue_events.c.to_state == IssueState.REOPENED.value,
                )
            )
        )
        with self._store.engine.connect() as conn:

            def rows(query: Any) -> list[FindingChange]:
                return [
                    FindingChange(**{**r, "severity": Severity(r["severity"])})
                    for r in conn.execute(query.order_by(f.c.fingerprint)).mappings()
                ]

            checked_in_a = _checked(run_a, f)
            appeared = select(*cols).where(
                f.c.run_id == run_b,
                f.c.fingerprint.not_in(in_a),
                f.c.fingerprint.not_in(reopened),
            )
            result.new = rows(appeared.where(checked_in_a))
            result.not_checked_in_a = rows(appeared.where(~checked_in_a))
            result.reopened = rows(
                select(*cols).where(f.c.run_id == run_b, f.c.fingerprint.in_(reopened))
            )
            result.still_open = rows(
                select(*cols).where(
                    f.c.run_id == run_b,
                    f.c.fingerprint.in_(in_a),
                    f.c.fingerprint.not_in(reopened),
                )
            )
            gone = (
                select(*cols)
                .select_from(f.join(a, a.c.id == f.c.attempt_id))
                .where(f.c.run_id == run_a, f.c.fingerprint.not_in(in_b))
            )
            b = attempts.alias("covering")  # never correlated with the attempts joined above
            covered = exists(select(1).where(b.c.run_id == run_b, _concludes(b, f, a.c.location)))
            checked_in_b = _checked(run_b, f)
            result.fixed = rows(gone.where(covered))
            result.could_not_verify = rows(gone.where(~covered, checked_in_b))
            result.not_checked_in_b = rows(gone.where(~covered, ~checked_in_b))
        return result


def _checked(run_id: int, f: Any) -> ColumnElement[bool]:
    """Run ``run_id`` concluded somewhere on finding ``f``'s asset with ``f``'s check."""
    c = attempts.alias(f"checked_{run_id}")
    concluded = (AttemptStatus.PASS, AttemptStatus.FAIL, AttemptStatus.NOT_APPLICABLE)
    return exists(
        select(1).where(
            c.c.run_id == run_id,
            c.c.check_id == f.c.check_id,
            c.c.entity_id == f.c.entity_id,
            c.c.asset_id == f.c.asset_id,
            c.c.status.in_([s.value for s in concluded]),
        )
    )


def issue_rows(rows: Iterable[Any]) -> list[IssueRow]:
    """Typed issues from ``issues`` rows (as mappings)."""
    return [
        IssueRow(
            **{
                **r,
                "severity": Severity(r["severity"]),
                "state": IssueState(r["state"]),
            }
        )
        for r in rows
    ]


def _values(states: Iterable[IssueState]) -> list[str]:
    # In a fixed order, so that a statement's text (and its cache key) is always the same.
    return sorted(s.value for s in states)


def _target(event: IssueEvent) -> IssueState:
    """The one state an observation moves issues to (every source leads to it)."""
    [after] = {after for (_, e), after in ISSUE_TRANSITIONS.items() if e is event}
    return after


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
                literal(next_state(None, IssueEvent.FIRST_SEEN).value),
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
    _events(conn, run_id, now, IssueEvent.FIRST_SEEN, issues.c.first_seen_run == run_id)
    seen = _seen(run_id)
    _events(conn, run_id, now, IssueEvent.SEEN_AGAIN, issues.c.fingerprint.in_(seen))
    _events(
        conn,
        run_id,
        now,
        IssueEvent.SEEN_FIXED,
        and_(issues.c.fingerprint.not_in(seen), issues.c.id.in_(_covered_issues(run_id))),
    )
    _events(conn, run_id, now, IssueEvent.WAIVER_EXPIRED, issues.c.waiver_until < now)
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
            and_(
                a.c.status.in_((AttemptStatus.PASS.value, AttemptStatus.FAIL.value)),
                a.c.location == where,
            ),
            and_(
                a.c.status == AttemptStatus.NOT_APPLICABLE.value,
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
    conn: Connection, run_id: int, now: float, event: IssueEvent, where: ColumnElement[bool]
) -> None:
    """Record ``event`` for every issue matching ``where`` in one of the event's from-states
    (a new issue for ``first_seen``) and not already moved in this run."""
    already = select(issue_events.c.issue_id).where(issue_events.c.run_id == run_id)
    if event is IssueEvent.FIRST_SEEN:
        from_state: Any = null()
    else:
        from_state = issues.c.state
        where = and_(issues.c.state.in_(_values(sources(event))), where)
    conn.execute(
        insert(issue_events).from_select(
            EVENT_COLUMNS,
            select(
                issues.c.id,
                literal(run_id),
                literal(now),
                from_state,
                literal(_target(event).value),
                literal(REASONS[event]),
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
        elif to_state == IssueState.FIXED:
            report.fixed += n
        elif to_state == IssueState.REOPENED:
            report.reopened += n
            if reason == REASONS[IssueEvent.WAIVER_EXPIRED]:
                report.waivers_expired += n
    seen = _seen(run_id)
    report.still_open = conn.execute(
        select(func.count()).where(
            issues.c.fingerprint.in_(seen),
            issues.c.state.in_(_values(ACTIVE)),
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
        i.c.state.in_(_values(ACTIVE)), i.c.fingerprint.not_in(_seen(run_id)), i.c.id.not_in(moved)
    )
    total = conn.execute(select(func.count()).where(open_unseen)).scalar_one()
    reason = case(
        (
            a.c.status == AttemptStatus.ERROR.value,
            "error: " + func.coalesce(a.c.error_reason, "unknown"),
        ),
        (a.c.status == AttemptStatus.SKIPPED.value, "skipped: " + a.c.reason),
        else_="not applicable: " + a.c.reason,
    )
    inconclusive = (AttemptStatus.ERROR, AttemptStatus.SKIPPED, AttemptStatus.NOT_APPLICABLE)
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
            a.c.status.in_([s.value for s in inconclusive]),
            open_unseen,
        )
        .group_by(reason)
    )
    counts = {str(r): int(n) for r, n in rows}
    rest = total - sum(counts.values())
    if rest:
        counts["not checked in this run (profile, inventory or target changed)"] = rest
    return counts
