"""Migration 0012 (rounds, supplementary notices, enforcement actions) on an existing store: the
notices it finds become rounds by their runs, per campaign; actions are checked by kind; the
downgrade gives back the store as it was."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from scanner.store import Store
from scanner.store.store import MIGRATIONS

RUNS = (
    "INSERT INTO runs (campaign, profile, inventory, inventory_sha256, scanner_version, status,"
    " started_at, finished_at, note, reconciled) VALUES (:c, 'remote', 'inv.yaml', :sha, '0.9',"
    " 'completed', 1.0, 2.0, '', 1)"
)
NOTICES = (
    "INSERT INTO notices (number, campaign, entity_id, run_id, issued_at) VALUES"
    " (:number, :c, :entity, :run, :at)"
)


@pytest.fixture
def connect(tmp_path: Path) -> Iterator[Any]:
    engine = create_engine(f"sqlite:///{tmp_path / 'scanner.db'}")
    yield engine.begin
    engine.dispose()


def _alembic(conn: Any, action: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    getattr(command, action)(config, revision)


def test_existing_notices_become_rounds(connect: Any, tmp_path: Path) -> None:
    with connect() as conn:
        _alembic(conn, "upgrade", "0008")
    with connect() as conn:
        for campaign in ("a", "a", "b", "a"):
            conn.execute(text(RUNS), {"c": campaign, "sha": "0" * 64})
        for number, campaign, entity, run, at in (
            ("A-0001", "a", "grid", 1, 10.0),
            ("A-0002", "a", "water", 1, 10.0),
            ("A-0003", "a", "grid", 2, 20.0),
            ("B-0001", "b", "grid", 3, 30.0),
            ("A-0004", "a", "water", 4, 40.0),
        ):
            conn.execute(
                text(NOTICES),
                {"number": number, "c": campaign, "entity": entity, "run": run, "at": at},
            )
    Store.open(f"sqlite:///{tmp_path / 'scanner.db'}").close()
    with connect() as conn:
        notices = conn.execute(
            text("SELECT number, round, supplements FROM notices ORDER BY id")
        ).all()
        rounds = conn.execute(
            text("SELECT campaign, number, run_id, opened_at FROM rounds ORDER BY id")
        ).all()
    assert [tuple(n) for n in notices] == [
        ("A-0001", 1, None),
        ("A-0002", 1, None),
        ("A-0003", 2, None),
        ("B-0001", 1, None),
        ("A-0004", 3, None),
    ]
    assert [tuple(r) for r in rounds] == [
        ("a", 1, 1, 10.0),
        ("a", 2, 2, 20.0),
        ("b", 1, 3, 30.0),
        ("a", 3, 4, 40.0),
    ]
    action = (
        "INSERT INTO enforcement_actions (notice_id, kind, day, reference, recorded_by,"
        " recorded_at) VALUES (1, :kind, '2026-05-01', 'R', 'W', 1.0)"
    )
    with connect() as conn:
        conn.execute(text(action), {"kind": "fine"})
    with pytest.raises(IntegrityError), connect() as conn:
        conn.execute(text(action), {"kind": "arrest"})
    with connect() as conn:
        _alembic(conn, "downgrade", "0008")
    with connect() as conn:
        columns = [r[1] for r in conn.execute(text("PRAGMA table_info(notices)"))]
        tables = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
    assert "round" not in columns and "supplements" not in columns
    assert "rounds" not in tables and "enforcement_actions" not in tables
