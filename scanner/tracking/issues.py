"""Tracking fixes across runs: reconcile a run's findings with the issues of earlier runs.

An issue is a finding followed across runs by its fingerprint. Its states
(:class:`~scanner.core.lifecycle.IssueState`) and the only ways it moves between them
(:data:`~scanner.core.lifecycle.ISSUE_TRANSITIONS`) are one table; every transition is an
``issue_events`` row with its run, time, reason and actor: the audit trail.

Coverage decides fixes. An issue not seen in a run becomes ``fixed`` only when the same check ran
on the same target in that run and came to a conclusion without it (``pass``, or ``fail`` with
other findings), or found the thing it inspects gone while the host answered
(``not_applicable``). An error, a timeout, a skipped or unreachable host, or a check outside the
run's profile proves nothing: the issue stays as it was and is counted as *could not verify*,
with the reason. "Not seen" is never "fixed".

The set-based SQL that applies a run lives in :mod:`scanner.store.issues`; this module holds the
rules people's decisions must meet, and the order in which pending runs are reconciled.
"""

from __future__ import annotations

import time

from scanner.core.errors import UserError
from scanner.core.lifecycle import InvalidTransition, IssueEvent
from scanner.store import Store
from scanner.store.issues import ReconcileReport, RunDiff, Waiver

__all__ = [
    "ReconcileReport",
    "RunDiff",
    "diff",
    "false_positive",
    "reconcile",
    "reconcile_pending",
    "waive",
]


def reconcile(store: Store, run_id: int, now: float | None = None) -> ReconcileReport:
    """Apply run ``run_id`` to the issues, once; a second call only reports."""
    return store.issues.reconcile(run_id, time.time() if now is None else now)


def reconcile_pending(store: Store, now: float | None = None) -> dict[int, ReconcileReport]:
    """Reconcile, oldest first, every completed run that was not (a crash between a run's end
    and its reconciliation leaves one behind)."""
    return {run_id: reconcile(store, run_id, now) for run_id in store.runs.unreconciled()}


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
        IssueEvent.WAIVED,
        f"waived until {_date(until)}: {reason}",
        approver,
        now,
        Waiver(reason, approver, until),
    )


def false_positive(
    store: Store, issue_id: int, *, reason: str, actor: str = "inspector", now: float | None = None
) -> None:
    """Mark an issue a false positive; it leaves notices and survives rescans."""
    if not reason.strip():
        raise UserError("a false positive needs --reason. Fix: say why the finding is wrong.")
    now = time.time() if now is None else now
    _decide(store, issue_id, IssueEvent.MARKED_FALSE_POSITIVE, reason, actor, now)


def _decide(
    store: Store,
    issue_id: int,
    event: IssueEvent,
    reason: str,
    actor: str,
    now: float,
    waiver: Waiver | None = None,
) -> None:
    try:
        store.issues.decide(issue_id, event, reason, actor, now, waiver)
    except InvalidTransition:  # the table allows decisions on every state but fixed
        raise UserError(f"issue {issue_id} is already fixed; there is nothing to waive.") from None


def _date(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts))


# -- comparing two runs ---------------------------------------------------------------------


def diff(store: Store, run_a: int, run_b: int) -> RunDiff:
    """Compare the findings of two runs with the same coverage rule as reconciliation."""
    for run_id in (run_a, run_b):
        store.runs.get(run_id)
    return store.issues.diff(run_a, run_b)
