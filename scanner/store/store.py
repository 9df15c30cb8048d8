"""The store: where a run's results land as they are produced, and where later runs read them.

SQLite is the embedded default (WAL journal, busy timeout, one writer: the engine's main thread);
PostgreSQL works by URL. The schema is created and upgraded by Alembic on open. Each batch of
attempts is committed as it arrives, so a crash loses at most the attempts in flight.
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Insert,
    Table,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from scanner.core.errors import UserError
from scanner.core.models import (
    Attempt,
    AttemptStatus,
    ErrorReason,
    Finding,
    HostScan,
    Refusal,
    Service,
    Severity,
)
from scanner.store.tables import attempts, findings, hosts, refusals, runs, services

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


@dataclass(frozen=True)
class RunHead:
    """A run's identity and state: what a worker checks before running its jobs."""

    id: int
    profile: str
    status: str
    inventory: str  # the inventory's path when the run started
    inventory_sha256: str


@dataclass(frozen=True)
class RunRow:
    """A run with its attempt counts by status and its finding count."""

    id: int
    campaign: str
    profile: str
    status: str
    started_at: float
    finished_at: float | None
    counts: dict[str, int]
    findings: int


class Store:
    """Runs, attempts, findings and refusals in one database."""

    def __init__(self, engine: Engine, writer: Engine | None = None) -> None:
        self.engine = engine  # reads
        # Writes: on SQLite a second engine whose transactions take the write lock at BEGIN,
        # so concurrent writers (two runs, a run and a waiver) queue instead of failing.
        self.writer = writer or engine

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
            engine = create_engine(url, future=True)
        except (SQLAlchemyError, ValueError, ImportError) as exc:
            raise UserError(f"cannot open the store {url!r}: {exc}. Fix: check --db.") from None
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
            raise UserError(
                f"cannot open the store {url!r}: {exc.orig}. Fix: check --db."
            ) from None
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

    # -- writing ---------------------------------------------------------------------------
    def create_run(
        self,
        campaign: str,
        profile: str,
        inventory: str,
        sha256: str,
        version: str,
        inventory_text: str = "",
        restricted_to: Collection[tuple[str, str, str]] | None = None,
    ) -> int:
        """A new run in state ``running``; returns its id. ``inventory_text`` keeps the inventory
        as it was, so notices built later describe the campaign the run really had;
        ``restricted_to`` the (entity, asset, check) triples of a verification rescan."""
        with self.writer.begin() as conn:
            result = conn.execute(
                insert(runs).values(
                    campaign=campaign,
                    profile=profile,
                    inventory=inventory,
                    inventory_sha256=sha256,
                    scanner_version=version,
                    status="running",
                    started_at=time.time(),
                    inventory_text=inventory_text,
                    restricted_to=None if restricted_to is None else sorted(restricted_to),
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def reopen_run(self, run_id: int) -> None:
        """Mark an unfinished run running again (it is being resumed)."""
        with self.writer.begin() as conn:
            conn.execute(
                update(runs).where(runs.c.id == run_id).values(status="running", finished_at=None)
            )

    def restricted_to(self, run_id: int) -> set[tuple[str, str, str]] | None:
        """The (entity, asset, check) triples run ``run_id`` was restricted to, or None."""
        with self.engine.connect() as conn:
            value = conn.execute(select(runs.c.restricted_to).where(runs.c.id == run_id)).scalar()
        return None if value is None else {(e, a, c) for e, a, c in value}

    def inventory_text(self, run_id: int) -> str:
        """The inventory file's text as it was when the run started."""
        with self.engine.connect() as conn:
            value = conn.execute(select(runs.c.inventory_text).where(runs.c.id == run_id)).scalar()
        return str(value or "")

    def inventory_sha256(self, run_id: int) -> str:
        """The SHA-256 of the inventory file a run started with."""
        with self.engine.connect() as conn:
            value = conn.execute(
                select(runs.c.inventory_sha256).where(runs.c.id == run_id)
            ).scalar()
        return str(value or "")

    def load_discovery(self, run_id: int) -> dict[str, HostScan]:
        """What discovery stored for a run (empty if it did not finish)."""
        with self.engine.connect() as conn:
            answered = dict(
                conn.execute(
                    select(hosts.c.address, hosts.c.answered).where(hosts.c.run_id == run_id)
                ).all()
            )
            found: dict[str, list[Service]] = {}
            for r in conn.execute(select(services).where(services.c.run_id == run_id)):
                found.setdefault(r.address, []).append(
                    Service(r.address, r.port, r.protocol, r.name, r.product)
                )
        return {
            a: HostScan(address=a, answered=bool(up), services=tuple(found.get(a, ())))
            for a, up in answered.items()
        }

    def finish_run(self, run_id: int, status: str, note: str = "") -> None:
        """Mark a run completed, failed or interrupted."""
        with self.writer.begin() as conn:
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(status=status, finished_at=time.time(), note=note)
            )

    def record_discovery(
        self, run_id: int, answered: dict[str, bool], found: Iterable[Service]
    ) -> None:
        """Store which hosts answered and what services discovery found."""
        with self.writer.begin() as conn:
            if answered:
                conn.execute(
                    insert(hosts),
                    [
                        {"run_id": run_id, "address": a, "answered": up}
                        for a, up in answered.items()
                    ],
                )
            rows = [
                {
                    "run_id": run_id,
                    "address": s.address,
                    "port": s.port,
                    "protocol": s.protocol,
                    "name": s.name,
                    "product": s.product,
                }
                for s in found
            ]
            if rows:
                conn.execute(insert(services), rows)

    def record_attempts(self, run_id: int, batch: Sequence[Attempt]) -> int:
        """Store attempts and their findings in one transaction (two bulk statements).

        Idempotent by attempt key: an attempt the run already has (a job retried after its
        worker died between the commit and the acknowledgement) is skipped with its findings.
        Returns how many attempts were new.
        """
        if not batch:
            return 0
        rows = [
            {
                "run_id": run_id,
                "key": a.key,
                "check_id": a.check_id,
                "entity_id": a.entity_id,
                "asset_id": a.asset_id,
                "location": a.location,
                "status": a.status.value,
                "reason": a.reason,
                "error_reason": a.error_reason.value if a.error_reason else None,
                "traceback": a.traceback,
                "started_at": a.started_at,
                "duration": a.duration,
            }
            for a in batch
        ]
        with self.writer.begin() as conn:
            # One executemany; RETURNING gives the rows actually inserted (none for a key the
            # run already has), each with its key to pair it with its attempt.
            statement = _insert_ignoring_duplicates(conn, attempts)
            returned = conn.execute(statement.returning(attempts.c.key, attempts.c.id), rows)
            inserted: dict[str, int] = {row[0]: row[1] for row in returned}
            found = [
                {
                    "run_id": run_id,
                    "attempt_id": inserted[attempt.key],
                    "fingerprint": key,
                    "check_id": f.check_id,
                    "entity_id": f.entity_id,
                    "asset_id": f.asset_id,
                    "location": f.location,
                    "severity": f.severity.value,
                    "evidence": f.evidence,
                    "detail": f.detail,
                }
                for attempt in batch
                if attempt.key in inserted
                for key, f in _unique_findings(attempt)
            ]
            if found:
                # Two targets of one asset may report the same location (a check reading two
                # ports that both show one config file): the fingerprint is the identity, the
                # first stays.
                conn.execute(_insert_ignoring_duplicates(conn, findings), found)
        return len(inserted)

    def record_refusals(self, run_id: int, batch: Sequence[Refusal]) -> None:
        """Store what the scope guard refused."""
        if batch:
            with self.writer.begin() as conn:
                conn.execute(
                    insert(refusals),
                    [
                        {
                            "run_id": run_id,
                            "target": r.target,
                            "reason": r.reason,
                            "check_id": r.check_id,
                            "at": r.at,
                        }
                        for r in batch
                    ],
                )

    # -- reading ---------------------------------------------------------------------------
    def list_runs(self, limit: int = 50) -> list[RunRow]:
        """The newest runs first, with counts."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(runs).order_by(runs.c.id.desc()).limit(limit)).all()
            counts: dict[int, dict[str, int]] = {}
            for run_id, status, n in conn.execute(
                select(attempts.c.run_id, attempts.c.status, func.count()).group_by(
                    attempts.c.run_id, attempts.c.status
                )
            ):
                counts.setdefault(run_id, {})[status] = n
            nfind: dict[int, int] = dict(
                conn.execute(
                    select(findings.c.run_id, func.count()).group_by(findings.c.run_id)
                ).all()
            )
        return [
            RunRow(
                id=r.id,
                campaign=r.campaign,
                profile=r.profile,
                status=r.status,
                started_at=r.started_at,
                finished_at=r.finished_at,
                counts=counts.get(r.id, {}),
                findings=nfind.get(r.id, 0),
            )
            for r in rows
        ]

    def run(self, run_id: int) -> RunRow:
        """One run, or a UserError naming the runs that exist."""
        for row in self.list_runs(limit=1_000_000):
            if row.id == run_id:
                return row
        raise UserError(f"there is no run {run_id} in this store. Fix: see `scanner runs`.")

    def latest_run_id(self) -> int | None:
        """The newest run's id, or None in an empty store."""
        with self.engine.connect() as conn:
            value = conn.execute(select(func.max(runs.c.id))).scalar()
        return int(value) if value is not None else None

    def findings(self, run_id: int) -> list[dict[str, Any]]:
        """A run's findings as dicts, worst severity first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(findings).where(findings.c.run_id == run_id)).mappings()
            out = [dict(r) for r in rows]
        order = {s.value: s.rank for s in Severity}
        out.sort(
            key=lambda f: (
                -order[f["severity"]],
                f["entity_id"],
                f["asset_id"],
                f["check_id"],
                f["location"],
            )
        )
        return out

    def attempts(self, run_id: int, status: AttemptStatus | None = None) -> list[dict[str, Any]]:
        """A run's attempts as dicts, optionally of one status."""
        query = select(attempts).where(attempts.c.run_id == run_id)
        if status is not None:
            query = query.where(attempts.c.status == status.value)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query.order_by(attempts.c.id)).mappings()]

    def refusals(self, run_id: int) -> list[dict[str, Any]]:
        """What the scope guard refused in a run."""
        with self.engine.connect() as conn:
            query = select(refusals).where(refusals.c.run_id == run_id).order_by(refusals.c.id)
            return [dict(r) for r in conn.execute(query).mappings()]

    def attempt_keys(self, run_id: int, among: Collection[str] | None = None) -> set[str]:
        """Keys of the attempts a run already stored (for resuming it), or those of them in
        ``among`` (a worker's job keys)."""
        query = select(attempts.c.key).where(attempts.c.run_id == run_id)
        if among is not None:
            if not among:
                return set()
            query = query.where(attempts.c.key.in_(list(among)))
        with self.engine.connect() as conn:
            return set(conn.execute(query).scalars())

    def attempt_count(self, run_id: int) -> int:
        """How many attempts a run has stored."""
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(attempts).where(attempts.c.run_id == run_id)
                ).scalar_one()
            )

    def attempts_after(
        self, run_id: int, after_id: int = 0, known: Collection[str] = frozenset()
    ) -> tuple[int, list[Attempt]]:
        """The highest attempt id of the run above ``after_id`` (else ``after_id``), and those
        attempts whose keys are not in ``known``, without findings: what a coordinator shows
        as workers store them."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    attempts.c.id,
                    attempts.c.key,
                    attempts.c.check_id,
                    attempts.c.entity_id,
                    attempts.c.asset_id,
                    attempts.c.location,
                    attempts.c.status,
                    attempts.c.error_reason,
                ).where(attempts.c.run_id == run_id, attempts.c.id > after_id)
            ).all()
        high = max((r.id for r in rows), default=after_id)
        return high, [
            Attempt(
                check_id=r.check_id,
                entity_id=r.entity_id,
                asset_id=r.asset_id,
                location=r.location,
                status=AttemptStatus(r.status),
                error_reason=ErrorReason(r.error_reason) if r.error_reason else None,
            )
            for r in rows
            if r.key not in known
        ]

    def run_head(self, run_id: int) -> RunHead | None:
        """A run's identity and state without its counts (cheap: workers ask per job batch)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    runs.c.id,
                    runs.c.profile,
                    runs.c.status,
                    runs.c.inventory,
                    runs.c.inventory_sha256,
                ).where(runs.c.id == run_id)
            ).first()
        if row is None:
            return None
        return RunHead(row.id, row.profile, row.status, row.inventory, row.inventory_sha256)


def _insert_ignoring_duplicates(conn: Connection, table: Table) -> Insert:
    """INSERT that skips rows violating a unique constraint, on SQLite and PostgreSQL."""
    if conn.dialect.name == "postgresql":
        return postgresql_insert(table).on_conflict_do_nothing()
    if conn.dialect.name == "sqlite":
        return sqlite_insert(table).on_conflict_do_nothing()
    return insert(table)


def _unique_findings(attempt: Attempt) -> list[tuple[str, Finding]]:
    # A check that reports one location twice yields one finding: the fingerprint is the identity.
    seen: dict[str, Finding] = {}
    for f in attempt.findings:
        seen.setdefault(f.fingerprint, f)
    return list(seen.items())


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
