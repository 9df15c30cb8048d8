"""What the store's aggregate modules share: the base of their accessors and dialect helpers.

Each aggregate (runs, attempts, issues, notices, host keys, schedules, locks) is one module with
one accessor class, reached as an attribute of the :class:`~scanner.store.store.Store`
(``store.runs``, ``store.issues``...). The accessor reads through the Store's read engine and
writes through its writer (on SQLite the one whose transactions take the write lock at BEGIN).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Connection, Insert, Table, insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

if TYPE_CHECKING:
    from scanner.store.store import Store

T = TypeVar("T")

#: How many values one ``IN (...)`` list carries: well under SQLite's and PostgreSQL's limits
#: on bound parameters, so a lookup of 100,000 keys is 200 statements, not one too large.
IN_CHUNK = 500


class Aggregate:
    """The SQL of one aggregate, against the tables of one :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self._store = store


def insert_ignoring_duplicates(conn: Connection, table: Table) -> Insert:
    """INSERT that skips rows violating a unique constraint, on SQLite and PostgreSQL."""
    if conn.dialect.name == "postgresql":
        return postgresql_insert(table).on_conflict_do_nothing()
    if conn.dialect.name == "sqlite":
        return sqlite_insert(table).on_conflict_do_nothing()
    return insert(table)


def chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most ``size``: the values of one ``IN (...)`` list each."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
