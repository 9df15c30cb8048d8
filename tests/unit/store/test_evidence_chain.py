"""The attempt chain as the store writes it: one link per new attempt, in the order of commits,
consistent when several writers (the workers of one run) store batches of one run at once, on
SQLite and on PostgreSQL; and the check of the chain against the attempts as stored now."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from scanner.app.evidence import verify_run_chain
from scanner.core.evidence import Exchange, chain_heads
from scanner.core.models import Attempt, AttemptStatus, Finding, Severity
from scanner.store import Store
from tests.pg import Postgres

WRITERS = 4
BATCHES = 12
PER_BATCH = 5


def _attempt(writer: int, batch: int, n: int) -> Attempt:
    location = f"{writer}-{batch}-{n}/tcp"
    failed = n % 2 == 0
    return Attempt(
        "net.x",
        "e",
        "a",
        location,
        AttemptStatus.FAIL if failed else AttemptStatus.PASS,
        started_at=1000.0 + batch,
        duration=0.25,
        check_sha256="ab" * 32,
        findings=(Finding("net.x", "e", "a", location, Severity.LOW, f"seen {location}"),)
        if failed
        else (),
        exchanges=(
            Exchange("tcp", "127.0.0.1:1", "127.0.0.2:2", 1.0, 2.0, "", b"q", b"r" * n, 1, n),
        ),
    )


def _write_concurrently(url: str) -> tuple[Store, int]:
    store = Store.open(url)
    run_id = store.runs.create("c", "p", "inv.yaml", "0" * 64, "test")
    errors: list[BaseException] = []

    def writer(index: int) -> None:
        mine = Store.open(url)  # a worker process has its own engine and connections
        try:
            for batch in range(BATCHES):
                mine.attempts.record(run_id, [_attempt(index, batch, n) for n in range(PER_BATCH)])
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            mine.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    return store, run_id


def _assert_consistent(store: Store, run_id: int) -> None:
    chain = store.attempts.chain(run_id)
    total = WRITERS * BATCHES * PER_BATCH
    assert [link.seq for link in chain] == list(range(1, total + 1))
    # the order of commits, which the ids follow (the run's row is locked before inserting)
    assert [link.attempt_id for link in chain] == sorted(link.attempt_id for link in chain)
    assert [link.head for link in chain] == chain_heads(run_id, [lk.digest for lk in chain])
    checked = verify_run_chain(store, run_id)
    assert checked.ok and checked.links == total and checked.head == chain[-1].head
    # storing a batch again (a job redelivered) adds nothing to the chain
    store.attempts.record(run_id, [_attempt(0, 0, n) for n in range(PER_BATCH)])
    assert len(store.attempts.chain(run_id)) == total


def test_concurrent_writers_keep_one_chain_on_sqlite(db_url: str) -> None:
    store, run_id = _write_concurrently(db_url)
    _assert_consistent(store, run_id)


def test_concurrent_writers_keep_one_chain_on_postgresql(postgres: Postgres) -> None:
    store, run_id = _write_concurrently(postgres.create_database())
    _assert_consistent(store, run_id)


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("UPDATE attempts SET reason = 'edited' WHERE id = 3", "link 3: attempt 3"),
        ("UPDATE findings SET severity = 'high' WHERE attempt_id = 1", "link 1: attempt 1"),
        ("UPDATE exchanges SET sent = :blob WHERE attempt_id = 2", "link 2: attempt 2"),
        ("DELETE FROM exchanges WHERE attempt_id = 4", "link 4: attempt 4"),
        ("DELETE FROM findings WHERE attempt_id = 5", "link 5: attempt 5"),
        ("UPDATE attempt_chain SET seq = 99 WHERE seq = 2", "link 2 is missing"),
        ("DELETE FROM attempt_chain WHERE seq = 4", "link 4 is missing"),
        ("UPDATE attempt_chain SET head = digest WHERE seq = 3", "link 3: its head"),
    ],
)
def test_an_edit_in_the_store_is_named(db_url: str, statement: str, expected: str) -> None:
    store = Store.open(db_url)
    run_id = store.runs.create("c", "p", "inv.yaml", "0" * 64, "test")
    store.attempts.record(run_id, [_attempt(0, 0, n) for n in range(6)])
    assert verify_run_chain(store, run_id).ok
    with store.writer.begin() as conn:
        conn.execute(text(statement), {"blob": b"forged"})
    assert expected in verify_run_chain(store, run_id).problem


def test_a_removed_attempt_and_an_unchained_one_are_named(db_url: str) -> None:
    store = Store.open(db_url)
    run_id = store.runs.create("c", "p", "inv.yaml", "0" * 64, "test")
    store.attempts.record(run_id, [_attempt(0, 0, n) for n in range(3)])
    with store.writer.begin() as conn:
        conn.execute(text("DELETE FROM findings WHERE attempt_id = 3"))
        conn.execute(text("DELETE FROM exchanges WHERE attempt_id = 3"))
        conn.execute(text("DELETE FROM attempts WHERE id = 3"))
    assert "attempt 3 is no longer in the store" in verify_run_chain(store, run_id).problem
    with store.writer.begin() as conn:
        conn.execute(text("DELETE FROM attempt_chain WHERE seq = 3"))
        conn.execute(
            text(
                "INSERT INTO attempts (run_id, key, check_id, entity_id, asset_id, location, "
                "status, reason, traceback, started_at, duration) VALUES (:run, 'k', 'net.x', "
                "'e', 'a', 'x', 'pass', '', '', 0, 0)"
            ),
            {"run": run_id},
        )
    assert "is not in the chain" in verify_run_chain(store, run_id).problem
