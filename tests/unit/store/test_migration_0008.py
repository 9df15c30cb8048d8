"""Migration 0008 (the database enforces the lifecycles) on existing SQLite and PostgreSQL stores.

A store is built at revision 0007 with Alembic's command API and filled with raw SQL (every
state, status and level the code writes), then opened the way every command opens it
(``Store.open``). The rows must come through intact, the schema otherwise unchanged, a value
outside the enums refused with an IntegrityError, and a store already holding such a value left
untouched with an error that says what to fix. PostgreSQL is the session's throwaway server
(tests/pg.py), on loopback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import CheckConstraint, Connection, create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from scanner.core.errors import UserError
from scanner.core.models import Attempt, AttemptStatus, Finding, Severity
from scanner.store import Store
from scanner.store.store import HEAD_REVISION, MIGRATIONS
from scanner.store.tables import metadata
from scanner.tracking.issues import reconcile
from tests.pg import Postgres

TABLES = ("runs", "attempts", "findings", "issues", "issue_events", "notices", "notice_items")

# Every value the scanner writes, in rows as a 0007 store holds them: (statement, parameters).
# Ids are left to the database (1, 2, ... in insertion order, which the references rely on).
ROWS_0007: list[tuple[str, list[dict[str, Any]]]] = [
    (
        "INSERT INTO runs (campaign, profile, inventory, inventory_sha256, scanner_version,"
        " status, started_at, finished_at, note, reconciled) VALUES ('c', 'remote', 'inv.yaml',"
        " :sha, '0.9', :status, 1.0, 2.0, '', :reconciled)",
        [
            {"sha": "0" * 64, "status": status, "reconciled": status == "completed"}
            for status in ("completed", "interrupted", "running", "failed")
        ],
    ),
    (
        "INSERT INTO attempts (run_id, key, check_id, entity_id, asset_id, location, status,"
        " reason, error_reason, traceback, started_at, duration) VALUES (1, :key,"
        " 'net.redis-no-auth', 'grid', 'gw', '6379/tcp', :status, '', :error, '', 1.0, 0.5)",
        [
            {"key": f"k-{status}", "status": status, "error": error}
            for status, error in (
                ("pass", None),
                ("fail", None),
                ("error", "timeout"),
                ("skipped", None),
                ("not_applicable", None),
            )
        ],
    ),
    (
        "INSERT INTO findings (run_id, attempt_id, fingerprint, check_id, entity_id, asset_id,"
        " location, severity, evidence, detail) VALUES (1, 2, 'fp-open', 'net.redis-no-auth',"
        " 'grid', 'gw', '6379/tcp', 'critical', 'PING answered +PONG', '{\"banner\": \"+PONG\"}')",
        [{}],
    ),
    (
        "INSERT INTO issues (fingerprint, entity_id, asset_id, check_id, location,"
        " target_location, severity, state, evidence, first_seen_run, last_seen_run,"
        " first_seen_at, last_seen_at) VALUES (:fp, 'grid', 'gw', 'net.redis-no-auth',"
        " '6379/tcp', '6379/tcp', 'critical', :state, 'e', 1, 1, 1.0, 1.0)",
        [
            {"fp": f"fp-{state}", "state": state}
            for state in ("open", "fixed", "reopened", "accepted", "false_positive")
        ],
    ),
    (
        "INSERT INTO issue_events (issue_id, run_id, at, from_state, to_state, reason, actor)"
        " VALUES (:issue, :run, 1.0, :before, :after, 'r', 'scanner')",
        [
            {"issue": issue, "run": run, "before": before, "after": after}
            for issue, run, before, after in (
                (1, 1, None, "open"),
                (2, 1, "open", "fixed"),
                (3, 1, "fixed", "reopened"),
                (4, None, "open", "accepted"),
                (5, None, "reopened", "false_positive"),
            )
        ],
    ),
    (
        "INSERT INTO notices (number, campaign, entity_id, run_id, issued_at)"
        " VALUES ('N-1', 'c', 'grid', 1, 3.0)",
        [{}],
    ),
    (
        "INSERT INTO notice_items (notice_id, issue_id, rank, level, score)"
        " VALUES (1, :issue, :issue, :level, 5.0)",
        [{"issue": i, "level": level} for i, level in ((1, "high"), (2, "medium"), (3, "low"))],
    ),
]

# One UPDATE per constrained column, each setting a value outside its set.
BAD_UPDATES = {
    "runs.status": "UPDATE runs SET status = 'aborted' WHERE id = 1",
    "attempts.status": "UPDATE attempts SET status = 'maybe' WHERE id = 1",
    "issues.state": "UPDATE issues SET state = 'wontfix' WHERE id = 1",
    "issue_events.from_state": "UPDATE issue_events SET from_state = 'gone' WHERE id = 2",
    "issue_events.to_state": "UPDATE issue_events SET to_state = 'gone' WHERE id = 1",
    "notice_items.level": "UPDATE notice_items SET level = 'critical' WHERE issue_id = 1",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'scanner.db'}"
    server: Postgres = request.getfixturevalue("postgres")
    return server.create_database()


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@pytest.fixture
def connect(url: str) -> Iterator[Any]:
    """``connect()``: a transaction on the database, outside the Store (plain SQLAlchemy)."""
    engine = create_engine(url)
    yield engine.begin
    engine.dispose()


def _alembic(conn: Connection, action: str, revision: str) -> None:
    config = _config()
    config.attributes["connection"] = conn
    getattr(command, action)(config, revision)


def _store_at_0007(connect: Any, *then: str) -> None:
    """Upgrade the empty database to 0007, insert ROWS_0007, then run the statements ``then``."""
    with connect() as conn:
        _alembic(conn, "upgrade", "0007")
    with connect() as conn:
        for statement, parameters in ROWS_0007:
            for values in parameters:
                conn.execute(text(statement), values)
        for statement in then:
            conn.execute(text(statement))


def _revision(connect: Any) -> str:
    with connect() as conn:
        return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


def _contents(connect: Any) -> dict[str, list[tuple[Any, ...]]]:
    with connect() as conn:
        return {
            table: sorted(
                (tuple(r) for r in conn.execute(text(f"SELECT * FROM {table}"))),  # noqa: S608
                key=repr,
            )
            for table in TABLES
        }


def _schema(connect: Any) -> dict[str, Any]:
    """Columns, keys and indexes of every table (everything but CHECK constraints)."""
    with connect() as conn:
        inspector = inspect(conn)
        return {
            table: (
                [
                    (c["name"], str(c["type"]), c["nullable"], c["default"])
                    for c in inspector.get_columns(table)
                ],
                inspector.get_pk_constraint(table)["constrained_columns"],
                sorted(
                    (tuple(fk["constrained_columns"]), fk["referred_table"])
                    for fk in inspector.get_foreign_keys(table)
                ),
                sorted(
                    (ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
                    for ix in inspector.get_indexes(table)
                ),
                sorted(tuple(uq["column_names"]) for uq in inspector.get_unique_constraints(table)),
            )
            for table in inspector.get_table_names()
            if table != "alembic_version"
        }


def _checks_in_database(connect: Any) -> dict[str, tuple[frozenset[str], bool]]:
    """Each named CHECK constraint: its allowed values and whether it allows NULL."""
    with connect() as conn:
        inspector = inspect(conn)
        return {
            ck["name"]: _allowed(ck["sqltext"])
            for table in inspector.get_table_names()
            for ck in inspector.get_check_constraints(table)
        }


def _checks_declared() -> dict[str, tuple[frozenset[str], bool]]:
    return {
        str(c.name): _allowed(str(c.sqltext))
        for table in metadata.tables.values()
        for c in table.constraints
        if isinstance(c, CheckConstraint)
    }


def _allowed(sqltext: str) -> tuple[frozenset[str], bool]:
    # Both dialects keep the quoted literals (PostgreSQL rewrites IN as = ANY (ARRAY[...])).
    return frozenset(re.findall(r"'([^']*)'", sqltext)), "IS NULL" in sqltext.upper()


def test_head_revision_is_the_newest_migration() -> None:
    script = ScriptDirectory.from_config(_config())
    assert script.get_current_head() == HEAD_REVISION
    assert script.get_revision("0008").down_revision == "0007"
    assert HEAD_REVISION >= "0008"


def test_upgrade_keeps_the_rows_and_enforces_the_values(connect: Any, url: str) -> None:
    _store_at_0007(connect)
    rows, schema = _contents(connect), _schema(connect)
    assert not _checks_in_database(connect)

    store = Store.open(url)
    assert _revision(connect) == HEAD_REVISION
    if store.writer.dialect.name == "sqlite":  # turned off to recreate the tables, and back on
        with store.writer.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert _contents(connect) == rows
    # the tables 0007 had keep their shape (later migrations may add tables of their own)
    assert {t: shape for t, shape in _schema(connect).items() if t in schema} == schema
    assert _checks_in_database(connect) == _checks_declared()
    for column, update in BAD_UPDATES.items():
        with pytest.raises(IntegrityError), connect() as conn:
            conn.execute(text(update))
        assert _contents(connect) == rows, column

    # The upgraded store works as before: a run is recorded and reconciled.
    run_id = store.runs.create("c", "remote", "inv.yaml", "0" * 64, "test")
    finding = Finding("net.redis-no-auth", "grid", "gw", "6380/tcp", Severity.HIGH, "+PONG")
    attempt = Attempt(
        "net.redis-no-auth", "grid", "gw", "6380/tcp", AttemptStatus.FAIL, findings=(finding,)
    )
    store.attempts.record(run_id, [attempt])
    store.runs.finish(run_id, "completed")
    assert reconcile(store, run_id).new == 1
    store.close()


def test_a_fresh_store_has_the_declared_constraints(connect: Any, url: str) -> None:
    Store.open(url).close()
    assert _checks_in_database(connect) == _checks_declared()
    assert set(_checks_declared()) == {
        "ck_runs_status",
        "ck_attempts_status",
        "ck_issues_state",
        "ck_issue_events_from_state",
        "ck_issue_events_to_state",
        "ck_notice_items_level",
    }


def test_a_store_at_head_opens_without_alembic(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    Store.open(url).close()

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Alembic ran on a store already at head")

    monkeypatch.setattr(command, "upgrade", refuse)
    Store.open(url).close()


def test_existing_bad_values_stop_the_upgrade_and_change_nothing(connect: Any, url: str) -> None:
    _store_at_0007(
        connect,
        "UPDATE runs SET status = 'aborted' WHERE id IN (2, 3)",
        "UPDATE issues SET state = 'wontfix' WHERE id = 1",
        "UPDATE issue_events SET from_state = 'gone' WHERE id = 2",
    )
    rows = _contents(connect)
    with pytest.raises(UserError) as error:
        Store.open(url)
    message = str(error.value)
    assert "runs.status holds 'aborted' (2 rows), which is not a run status" in message
    assert "issues.state holds 'wontfix' (1 row), which is not an issue state" in message
    assert "issue_events.from_state holds 'gone' (1 row)" in message
    assert "(allowed: open, fixed, reopened, accepted, false_positive)" in message
    assert "attempts.status" not in message and "notice_items" not in message
    assert "Nothing was changed. Fix:" in message
    assert (_revision(connect), _contents(connect)) == ("0007", rows)
    assert not _checks_in_database(connect)

    with connect() as conn:  # the fix the message asks for, then the upgrade goes through
        conn.execute(text("UPDATE runs SET status = 'failed' WHERE status = 'aborted'"))
        conn.execute(text("UPDATE issues SET state = 'open' WHERE state = 'wontfix'"))
        conn.execute(text("UPDATE issue_events SET from_state = 'open' WHERE id = 2"))
    Store.open(url).close()
    assert _revision(connect) == HEAD_REVISION


def test_downgrade_drops_the_constraints(connect: Any, url: str) -> None:
    _store_at_0007(connect)
    Store.open(url).close()
    rows, schema = _contents(connect), _schema(connect)
    with connect() as conn:
        _alembic(conn, "downgrade", "0007")
    after = _schema(connect)  # later migrations' own tables went with their downgrades
    rows = {t: r for t, r in rows.items() if t in after}
    assert (_revision(connect), _contents(connect), after) == (
        "0007",
        rows,
        {t: shape for t, shape in schema.items() if t in after},
    )
    assert not _checks_in_database(connect)
    with connect() as conn:
        conn.execute(text(BAD_UPDATES["issues.state"]))  # allowed again
