"""The store's aggregate modules: typed rows, filters, and the lifecycle table driving the SQL.

Reconciliation as a whole is in tests/unit/tracking/test_reconcile.py and notices in
tests/unit/notices/test_build.py; these cover what those reach only indirectly.
"""

from __future__ import annotations

import dataclasses

import pytest

from scanner.core.errors import UserError
from scanner.core.lifecycle import InvalidTransition, IssueEvent, IssueState, RunStatus
from scanner.core.models import Attempt, AttemptStatus, Finding, Severity
from scanner.store import Store
from scanner.store.hostkeys import Pin
from scanner.store.issues import IssueRow
from scanner.store.notices import PlannedItem

ENTITY, ASSET, CHECK = "grid", "gw", "net.redis-no-auth"


def _finding_attempt(location: str) -> Attempt:
    finding = Finding(CHECK, ENTITY, ASSET, location, Severity.HIGH, "PONG")
    return Attempt(CHECK, ENTITY, ASSET, location, AttemptStatus.FAIL, findings=(finding,))


def _reconciled_run(store: Store, *attempts: Attempt, profile: str = "remote") -> int:
    run_id = store.runs.create("c", profile, "inv.yaml", "0" * 64, "test")
    store.attempts.record(run_id, attempts)
    store.runs.finish(run_id, RunStatus.COMPLETED)
    store.issues.reconcile(run_id, now=1000.0)
    return run_id


def test_rows_are_frozen_dataclasses_with_enums(db_url: str) -> None:
    store = Store.open(db_url)
    run_id = _reconciled_run(store, _finding_attempt("6379/tcp"))
    [attempt] = store.attempts.of_run(run_id)
    [finding] = store.attempts.findings(run_id)
    [issue] = store.issues.find()
    [event] = store.issues.history(issue.id)
    for row in (attempt, finding, issue, event):
        with pytest.raises(dataclasses.FrozenInstanceError):
            row.id = 0  # type: ignore[misc]
    assert attempt.status is AttemptStatus.FAIL and finding.severity is Severity.HIGH
    assert issue.state is IssueState.OPEN and event.to_state is IssueState.OPEN
    assert (event.from_state, event.reason, event.actor) == (None, "first seen", "scanner")


def test_runs_get_latest_since_completed_and_unreconciled(db_url: str) -> None:
    store = Store.open(db_url)
    first = _reconciled_run(store, _finding_attempt("6379/tcp"))
    pending = store.runs.create("c", "onsite", "inv.yaml", "0" * 64, "test")
    store.runs.finish(pending, RunStatus.COMPLETED)
    running = store.runs.create("c", "remote", "inv.yaml", "0" * 64, "test")
    row = store.runs.get(first)
    assert (row.counts, row.findings, row.status) == ({"fail": 1}, 1, "completed")
    assert [r.id for r in store.runs.completed(up_to=running)] == [first, pending]
    assert store.runs.unreconciled() == [pending]
    assert store.runs.latest_since("remote", 0) == running
    assert store.runs.latest_since("remote", row.started_at + 3600) is None
    with pytest.raises(UserError, match="there is no run 99"):
        store.runs.get(99)


def test_issue_filters_and_unknown_issue(db_url: str) -> None:
    store = Store.open(db_url)
    run_id = _reconciled_run(store, _finding_attempt("6379/tcp"), _finding_attempt("6380/tcp"))
    first, second = store.issues.find()
    store.issues.decide(second.id, IssueEvent.MARKED_FALSE_POSITIVE, "honeypot", "li", 1001.0)
    assert [i.id for i in store.issues.find(states=["open"])] == [first.id]
    assert [i.id for i in store.issues.find(seen_in=run_id)] == [first.id, second.id]
    assert store.issues.find(entity="water") == []
    assert store.issues.find(overdue_at=2000.0) == []  # no deadline yet: never overdue
    assert store.issues.get(second.id).state is IssueState.FALSE_POSITIVE
    assert [e.to_state for e in store.issues.all_events()] == ["open", "open", "false_positive"]
    for read in (store.issues.get, store.issues.history):
        with pytest.raises(UserError, match="there is no issue 99"):
            read(99)


def test_a_decision_on_a_fixed_issue_is_refused_by_the_table(db_url: str) -> None:
    store = Store.open(db_url)
    _reconciled_run(store, _finding_attempt("6379/tcp"))
    _reconciled_run(store, Attempt(CHECK, ENTITY, ASSET, "6379/tcp", AttemptStatus.PASS))
    [issue] = store.issues.find()
    assert issue.state is IssueState.FIXED
    with pytest.raises(InvalidTransition):
        store.issues.decide(issue.id, IssueEvent.WAIVED, "r", "a", 1002.0)
    assert [e.to_state for e in store.issues.history(issue.id)] == ["open", "fixed"]


def test_notices_number_once_per_entity_and_run_and_keep_deadlines(db_url: str) -> None:
    store = Store.open(db_url)
    run_id = _reconciled_run(store, _finding_attempt("6379/tcp"))
    calls: list[list[IssueRow]] = []

    def plan(rows: list[IssueRow]) -> list[PlannedItem]:
        calls.append(rows)
        return [PlannedItem(r.id, "high", 8.5, 1500.0) for r in rows]

    def issue() -> list[int]:
        return store.notices.issue(
            run_id, campaign="c", prefix="N", entities=[ENTITY, "water"], plan=plan, now=1000.0
        )

    [notice_id] = issue()
    assert issue() == [notice_id] and len(calls) == 1  # the second call only re-reads
    notice = store.notices.get(notice_id)
    assert (notice.number, notice.entity_id, notice.run_id) == ("N-0001", ENTITY, run_id)
    [item] = store.notices.items(notice_id)
    assert (item.rank, item.level, item.score, item.issue.deadline) == (1, "high", 8.5, 1500.0)
    assert store.notices.id_of("N-0001") == notice_id
    with pytest.raises(UserError, match=r"there is no notice N-9 \(latest: N-0001\)"):
        store.notices.id_of("N-9")
    [passed] = store.notices.passed_deadlines("c", "remote", now=1600.0)
    assert (passed.notice_id, passed.number, passed.deadline) == (notice_id, "N-0001", 1500.0)
    assert store.notices.passed_deadlines("c", "remote", now=1400.0) == []
    assert store.notices.passed_deadlines("c", "onsite", now=1600.0) == []


def test_host_key_pins_add_list_revoke(db_url: str) -> None:
    store = Store.open(db_url)
    pin = Pin("192.0.2.1", 22, "ssh-ed25519", "AAAA", "SHA256:abc", "wang", 1000.0, "n")
    store.host_keys.add(pin)
    store.host_keys.add(dataclasses.replace(pin, host="192.0.2.2", fingerprint="SHA256:def"))
    assert store.host_keys.pins("192.0.2.1") == [pin]
    assert len(store.host_keys.pins()) == 2
    assert store.host_keys.revoke("192.0.2.1", fingerprint="SHA256:other") == 0
    assert store.host_keys.revoke("192.0.2.1", fingerprint="SHA256:abc") == 1
    assert [p.host for p in store.host_keys.pins()] == ["192.0.2.2"]


def test_schedules_claim_each_due_time_once(db_url: str) -> None:
    store = Store.open(db_url)
    event = store.schedules.claim("c/p", 100.0, now=101.0)
    assert event is not None and store.schedules.claim("c/p", 100.0) is None
    assert store.schedules.record("c/p", 50.0, "missed", "late")
    assert not store.schedules.record("c/p", 50.0, "missed", "late")
    store.schedules.finish(event, "completed", run_id=None, now=110.0)
    assert store.schedules.latest_due("c/p") == 100.0
    assert store.schedules.handled("c/p") == {50.0, 100.0}
    newest = store.schedules.events("c/p", limit=1)
    assert [(e.due_at, e.outcome, e.finished_at) for e in newest] == [(100.0, "completed", 110.0)]
