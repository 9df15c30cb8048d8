"""The store: migrated on open, written as the run goes, readable by later commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from scanner.core.errors import UserError
from scanner.core.models import Attempt, AttemptStatus, ErrorReason, Finding, Refusal, Severity
from scanner.store import Store


def _attempt(loc: str, findings: int) -> Attempt:
    found = tuple(
        Finding("net.x", "e", "a", f"{loc}#{i}", Severity.HIGH, "ev") for i in range(findings)
    )
    return Attempt(
        "net.x",
        "e",
        "a",
        loc,
        AttemptStatus.FAIL if findings else AttemptStatus.PASS,
        findings=found,
    )


def test_open_migrates_and_uses_wal(db_url: str) -> None:
    store = Store.open(db_url)
    tables = set(inspect(store.engine).get_table_names())
    assert {
        "runs",
        "attempts",
        "findings",
        "refusals",
        "services",
        "hosts",
        "alembic_version",
    } <= tables
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    Store.open(db_url)  # reopening an up-to-date store is a no-op


def test_attempts_findings_refusals_round_trip(db_url: str) -> None:
    store = Store.open(db_url)
    run = store.runs.create("c", "remote", "inv.yaml", "0" * 64, "0.1")
    store.attempts.record(
        run,
        [
            _attempt("1/tcp", 0),
            _attempt("2/tcp", 2),
            Attempt(
                "net.x",
                "e",
                "a",
                "3/tcp",
                AttemptStatus.ERROR,
                reason="refused",
                error_reason=ErrorReason.CONNECTIVITY,
            ),
        ],
    )
    store.attempts.record_refusals(run, [Refusal("127.0.99.1", "not in any allowed range")])
    store.runs.finish(run, "completed")
    [row] = store.runs.recent()
    assert row.counts == {"pass": 1, "fail": 1, "error": 1} and row.findings == 2
    assert [f.location for f in store.attempts.findings(run)] == ["2/tcp#0", "2/tcp#1"]
    assert store.attempts.refusals(run)[0].target == "127.0.99.1"
    assert store.attempts.of_run(run, AttemptStatus.ERROR)[0].error_reason == "connectivity"


def test_same_location_twice_is_one_finding(db_url: str) -> None:
    store = Store.open(db_url)
    run = store.runs.create("c", "p", "i", "0" * 64, "0.1")
    twice = Finding("net.x", "e", "a", "1/tcp", Severity.LOW, "ev")
    store.attempts.record(
        run, [Attempt("net.x", "e", "a", "1/tcp", AttemptStatus.FAIL, findings=(twice, twice))]
    )
    assert len(store.attempts.findings(run)) == 1


def test_unwritable_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot write the store"):
        Store.open(f"sqlite:///{tmp_path}/missing/dir/scanner.db")


def test_unknown_run_is_a_clear_error(db_url: str) -> None:
    with pytest.raises(UserError, match="there is no run 42"):
        Store.open(db_url).runs.get(42)


def test_same_fingerprint_from_two_attempts_is_stored_once(db_url: str) -> None:
    store = Store.open(db_url)
    run = store.runs.create("c", "p", "i", "0" * 64, "0.1")
    same = Finding("host.x", "e", "a", "/etc/ssh/sshd_config", Severity.HIGH, "ev")
    store.attempts.record(
        run,
        [
            Attempt("host.x", "e", "a", "22/tcp", AttemptStatus.FAIL, findings=(same,)),
            Attempt("host.x", "e", "a", "2222/tcp", AttemptStatus.FAIL, findings=(same,)),
        ],
    )
    assert len(store.attempts.findings(run)) == 1 and len(store.attempts.of_run(run)) == 2


def test_detail_from_a_target_is_cleaned() -> None:
    finding = Finding(
        "net.x",
        "e",
        "a",
        "1/tcp",
        Severity.LOW,
        "ev",
        detail={"banner": "\x1b[31mred", "items": ["\x00"] * 500},
    )
    assert finding.detail["banner"] == "\\x1b[31mred"
    assert len(finding.detail["items"]) == 200


def test_recording_an_attempt_twice_is_idempotent(db_url: str) -> None:
    # A retried job (its worker died after the commit, before the ack) records its attempts
    # again: the attempt key keeps one attempt, with its findings once.
    store = Store.open(db_url)
    run = store.runs.create("c", "p", "i", "0" * 64, "0.1")
    finding = Finding("net.x", "e", "a", "1/tcp", Severity.HIGH, "ev", detail={"k": [1, "x"]})
    attempt = Attempt("net.x", "e", "a", "1/tcp", AttemptStatus.FAIL, findings=(finding,))
    assert store.attempts.record(run, [attempt]) == 1
    assert store.attempts.record(run, [attempt, _attempt("2/tcp", 1)]) == 1
    assert len(store.attempts.of_run(run)) == 2
    assert [f.location for f in store.attempts.findings(run)] == ["1/tcp", "2/tcp#0"]
    assert store.attempts.findings(run)[0].detail == {"k": [1, "x"]}
