"""The store: the database connection, its schema, and one accessor per aggregate.

SQLite is the embedded default (WAL journal, busy timeout, one writer: the engine's main thread);
PostgreSQL works by URL. The schema is created and upgraded by Alembic on open. The SQL itself
lives in one module per aggregate (:mod:`~scanner.store.runs`, :mod:`~scanner.store.attempts`,
:mod:`~scanner.store.issues`, :mod:`~scanner.store.notices`, :mod:`~scanner.store.hostkeys`,
:mod:`~scanner.store.schedules`, :mod:`~scanner.store.locks`), reached as ``store.runs``,
``store.attempts``... Nothing outside this package writes SQL.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from scanner.core.errors import UserError
from scanner.core.secrets import hide_password, redact
from scanner.store.accounts import Accounts
from scanner.store.attempts import Attempts
from scanner.store.audit import Audit
from scanner.store.feeds import Feeds
from scanner.store.hostkeys import HostKeys
from scanner.store.issues import Issues
from scanner.store.locks import Locks
from scanner.store.notices import Notices
from scanner.store.replies import Replies
from scanner.store.reviews import Reviews
from scanner.store.runs import Runs
from scanner.store.schedules import Schedules
from scanner.store.views import Views

MIGRATIONS = Path(__file__).parent / "migrations"
#: The newest revision: migration files are named after their revision id ("0006_....py").
HEAD_REVISION = max(p.name[:4] for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
#: PostgreSQL advisory lock key held while migrating ("scanner" in ASCII).
MIGRATION_LOCK = 0x7363616E6E6572


def default_url() -> str:
    """``SCANNER_DB`` if set, else ``scanner.db`` in the working directory."""
    return os.environ.get("SCANNER_DB") or "sqlite:///scanner.db"


def _with_driver(url: str) -> str:
    """``postgresql://`` means psycopg 3, the driver the project installs (SQLAlchemy would pick
    psycopg2 for a URL without a driver)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


#: What the store raises when the database fails (unreachable, locked, ...): callers that retry
#: or survive a store outage catch this, without knowing the SQL toolkit underneath.
StoreError = SQLAlchemyError

#: SQLite's SQLITE_FULL and PostgreSQL's disk_full (SQLSTATE 53100).
_SQLITE_FULL = 13
_PG_DISK_FULL = "53100"


def disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (a StoreError) says the store's disk or file system is full: nothing of
    the failed transaction was written, what was committed before is intact."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlite_errorcode", None) == _SQLITE_FULL:
        return True
    if getattr(orig, "sqlstate", None) == _PG_DISK_FULL:
        return True
    return "database or disk is full" in str(exc)


class Store:
    """One database: its engines, and the aggregates kept in it.

    Attributes:
        engine: the engine reads go through.
        writer: the engine writes go through (on SQLite a second engine whose transactions take
            the write lock at BEGIN, so concurrent writers queue instead of failing).
        runs, attempts, issues, notices, host_keys, schedules, locks, feeds: the aggregates.
        accounts, audit, reviews, replies, views: the web application's (accounts and
            sessions, the audit trail, proposals and rescan requests, replies, paged reads).
    """

    def __init__(self, engine: Engine, writer: Engine | None = None) -> None:
        self.engine = engine
        self.writer = writer or engine
        self.runs = Runs(self)
        self.attempts = Attempts(self)
        self.issues = Issues(self)
        self.notices = Notices(self)
        self.host_keys = HostKeys(self)
        self.schedules = Schedules(self)
        self.locks = Locks(self)
        self.feeds = Feeds(self)
        # The web application's aggregates (migration 0013).
        self.accounts = Accounts(self)
        self.audit = Audit(self)
        self.reviews = Reviews(self)
        self.replies = Replies(self)
        self.views = Views(self)

    @classmethod
    def open(cls, url: str | None = None, *, create: bool = True) -> Store:
        """Open (creating or upgrading) the store at ``url``; a UserError if that fails.

        With ``create=False`` (commands that only read) a missing SQLite file is an error
        rather than a new empty store.
        """
        url = _with_driver(url or default_url())
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///"))
            if not create and not path.exists():
                raise UserError(
                    f"there is no store at {path}: no run has been stored there yet. Fix: run "
                    "`scanner run INVENTORY` first, or pass --db / SCANNER_DB."
                )
            folder = path.parent if str(path.parent) else Path(".")
            if (
                not folder.is_dir()
                or not os.access(folder, os.W_OK)
                or (path.exists() and not os.access(path, os.W_OK))
            ):
                raise UserError(
                    f"cannot write the store at {path}: the file or its folder is missing or not "
                    "writable. Fix: pass --db sqlite:///A/WRITABLE/PATH.db or set SCANNER_DB."
                )
        try:
            # A server store may restart under a long run: a pooled connection is tested before
            # use and replaced when the server dropped it (SQLite has no server to lose).
            ping = not url.startswith("sqlite")
            engine = create_engine(url, future=True, pool_pre_ping=ping)
        except (SQLAlchemyError, ValueError, ImportError) as exc:
            raise UserError(_cannot_open(url, exc)) from None
        writer = engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
            writer = create_engine(url)
            event.listen(writer, "connect", _sqlite_pragmas)
            event.listen(writer, "begin", _sqlite_begin_immediate)
        store = cls(engine, writer)
        try:
            store.migrate()
        except OperationalError as exc:
            raise UserError(_cannot_open(url, exc.orig)) from None
        return store

    def migrate(self) -> None:
        """Bring the schema to the newest revision."""
        if self._schema_revision() == HEAD_REVISION:
            return  # the common case: no need to load Alembic (a fifth of the CLI's start-up)
        from alembic import command  # noqa: PLC0415 - only when the schema needs upgrading
        from alembic.config import Config  # noqa: PLC0415

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.writer.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                # SQLite adds a constraint by recreating the table (copy, drop, rename): with
                # foreign keys on, dropping the old table would orphan the rows referring to it.
                # The pragma is ignored inside a transaction, so it goes before BEGIN.
                _sqlite_pragma(conn, "foreign_keys=OFF")
            try:
                with conn.begin():
                    if conn.dialect.name == "postgresql":
                        # The coordinator and every worker open the store when they start: on a
                        # new database the first migrates while the others wait here, then
                        # find it done.
                        conn.execute(
                            text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                        )
                    config.attributes["connection"] = conn
                    command.upgrade(config, "head")
            finally:
                if sqlite:
                    _sqlite_pragma(conn, "foreign_keys=ON")

    def _schema_revision(self) -> str | None:
        """The store's Alembic revision, or None for a new or unversioned database."""
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()
        self.writer.dispose()


def _cannot_open(url: str, exc: object) -> str:
    # The URL and the driver's words about it, both without the password.
    return (
        f"cannot open the store {hide_password(url)!r}: {redact(str(exc), url)}. Fix: check --db."
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy, not the sqlite3 module, decides where transactions begin (see below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_pragma(conn: Connection, pragma: str) -> None:
    # On the driver's connection: through SQLAlchemy the statement would first begin a
    # transaction (autobegin), inside which SQLite ignores some pragmas.
    conn.connection.driver_connection.execute(f"PRAGMA {pragma}")  # type: ignore[union-attr]


def _sqlite_begin_immediate(conn: Connection) -> None:
    # Two processes writing one store (two runs, a run and a waiver) must queue, not fail: a
    # deferred transaction that read and then writes after another writer committed gets
    # SQLITE_BUSY at once, whatever the busy timeout. Taking the write lock at BEGIN makes the
    # second writer wait (busy_timeout) and then see the first one's rows.
    conn.exec_driver_sql("BEGIN IMMEDIATE")
