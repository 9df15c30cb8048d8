"""Notice numbers: the prefix is matched literally, never as a LIKE pattern (issue 13, item 7)."""

from __future__ import annotations

from scanner.core.lifecycle import RunStatus
from scanner.core.models import Attempt, AttemptStatus, Finding, Severity
from scanner.store import Store
from scanner.store.issues import IssueRow
from scanner.store.notices import PlannedItem

CHECK = "net.redis-no-auth"


def _run(store: Store, entity: str) -> int:
    finding = Finding(CHECK, entity, "gw", "6379/tcp", Severity.HIGH, "PONG")
    attempt = Attempt(CHECK, entity, "gw", "6379/tcp", AttemptStatus.FAIL, findings=(finding,))
    run_id = store.runs.create("c", "remote", "inv.yaml", "0" * 64, "test")
    store.attempts.record(run_id, [attempt])
    store.runs.finish(run_id, RunStatus.COMPLETED)
    store.issues.reconcile(run_id, now=1000.0)
    return run_id


def _number(store: Store, entity: str, prefix: str) -> str:
    def plan(rows: list[IssueRow]) -> list[PlannedItem]:
        return [PlannedItem(r.id, "high", 8.5, None) for r in rows]

    run_id = _run(store, entity)
    [notice_id] = store.notices.issue(
        run_id, campaign="c", prefix=prefix, entities=[entity], plan=plan, now=1000.0
    )
    return store.notices.get(notice_id).number


def test_wildcards_in_a_prefix_are_literal(db_url: str) -> None:
    store = Store.open(db_url)
    assert _number(store, "a", "AxB") == "AxB-0001"
    assert _number(store, "b", "AxB") == "AxB-0002"
    # "_" matched any character: A_B's first notice was numbered after AxB's.
    assert _number(store, "c", "A_B") == "A_B-0001"
    # "%" matched everything.
    assert _number(store, "d", "%") == "%-0001"
    assert _number(store, "e", "A_B") == "A_B-0002"


def test_a_longer_prefix_is_not_in_the_sequence(db_url: str) -> None:
    store = Store.open(db_url)
    assert _number(store, "a", "A-B") == "A-B-0001"
    assert _number(store, "b", "A") == "A-0001"
    assert _number(store, "c", "A") == "A-0002"
