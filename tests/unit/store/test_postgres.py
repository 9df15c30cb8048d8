"""The store, tracking and notice tests again, on a real PostgreSQL (the scale-out store).

The test functions are those of ``unit/store/test_store``, ``test_aggregates``,
``unit/tracking/test_reconcile`` and ``unit/notices/test_build``, collected
here a second time with ``db_url`` naming a fresh database on the session's throwaway PostgreSQL
(tests/pg.py). A new test in those modules runs on both stores without being listed here; the few
that test SQLite itself (WAL, file permissions, a file path next to the store) are left out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from scanner.store import Store
from scanner.store.store import HEAD_REVISION
from tests.pg import Postgres
from tests.unit.notices import test_build as test_notices
from tests.unit.store import test_aggregates as test_store_aggregates
from tests.unit.store import test_store
from tests.unit.tracking import test_reconcile as test_tracking

SQLITE_ONLY = {
    "test_open_migrates_and_uses_wal",  # PRAGMA journal_mode: SQLite's
    "test_unwritable_store_is_a_clear_error",  # a file path
    "test_issue_commands",  # writes its HTML next to the SQLite file
}


def _shared() -> dict[str, Callable[..., Any]]:
    tests: dict[str, Callable[..., Any]] = {}
    for module in (test_store, test_store_aggregates, test_tracking, test_notices):
        for name, value in vars(module).items():
            if name.startswith("test_") and callable(value) and name not in SQLITE_ONLY:
                tests[name] = value
    return tests


globals().update(_shared())


@pytest.fixture
def db_url(postgres: Postgres) -> str:
    """A fresh database on the session's PostgreSQL (overrides the SQLite one)."""
    return postgres.create_database()


def test_open_migrates_on_postgresql(db_url: str) -> None:
    store = Store.open(db_url)
    assert store.engine.dialect.name == "postgresql"
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            HEAD_REVISION
        )
    Store.open(db_url)  # reopening an up-to-date store is a no-op
