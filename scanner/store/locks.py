"""Named, expiring locks in the store: no two runs of one schedule at once, on any machine.

A lock is one row of ``locks``: its holder and when it expires. Taking it is one statement in one
transaction, an insert that takes over the row only when it has expired, so two schedulers
racing for it (on SQLite or PostgreSQL) cannot both win. The holder extends it while its run goes
(:class:`Heartbeat`) and deletes it at the end; a holder that crashed stops extending it, and the
lock is free again once it expires. Times are wall-clock seconds of the machines involved: keep
the time-to-live well above their clock skew.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Insert, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from scanner.store.sql import Aggregate
from scanner.store.tables import locks

if TYPE_CHECKING:
    from scanner.store.store import Store

log = logging.getLogger("scanner.schedule.due")

#: Default time-to-live of a lock; the heartbeat extends it every third of that.
TTL = 60.0


def new_holder() -> str:
    """A holder name unique to this process: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _upsert(conn: Connection, name: str, holder: str, now: float, ttl: float) -> Insert:
    values = {"name": name, "holder": holder, "acquired_at": now, "expires_at": now + ttl}
    if conn.dialect.name == "postgresql":
        stmt = postgresql_insert(locks).values(**values)
        return stmt.on_conflict_do_update(
            index_elements=[locks.c.name],
            set_={k: stmt.excluded[k] for k in ("holder", "acquired_at", "expires_at")},
            where=locks.c.expires_at < now,
        )
    if conn.dialect.name == "sqlite":
        lite = sqlite_insert(locks).values(**values)
        return lite.on_conflict_do_update(
            index_elements=[locks.c.name],
            set_={k: lite.excluded[k] for k in ("holder", "acquired_at", "expires_at")},
            where=locks.c.expires_at < now,
        )
    raise NotImplementedError(f"locks need SQLite or PostgreSQL, not {conn.dialect.name}")


class Locks(Aggregate):
    """Named locks: take, extend, release, and see who holds one."""

    def acquire(self, name: str, holder: str, ttl: float = TTL, now: float | None = None) -> bool:
        """Take lock ``name`` for ``holder`` if it is free or expired; True if ``holder`` has it."""
        now = time.time() if now is None else now
        with self._store.writer.begin() as conn:
            conn.execute(_upsert(conn, name, holder, now, ttl))
            current = conn.execute(select(locks.c.holder).where(locks.c.name == name)).scalar()
        return current == holder

    def extend(self, name: str, holder: str, ttl: float = TTL, now: float | None = None) -> bool:
        """Push the expiry of ``holder``'s lock forward; False if it is no longer ``holder``'s."""
        now = time.time() if now is None else now
        with self._store.writer.begin() as conn:
            result = conn.execute(
                update(locks)
                .where(locks.c.name == name, locks.c.holder == holder)
                .values(expires_at=now + ttl)
            )
        return bool(result.rowcount)

    def release(self, name: str, holder: str) -> None:
        """Give the lock up (only if ``holder`` still has it)."""
        with self._store.writer.begin() as conn:
            conn.execute(delete(locks).where(locks.c.name == name, locks.c.holder == holder))

    def holder_of(self, name: str, now: float | None = None) -> str | None:
        """Who holds lock ``name`` now (None when it is free or expired)."""
        now = time.time() if now is None else now
        with self._store.engine.connect() as conn:
            value = conn.execute(
                select(locks.c.holder).where(locks.c.name == name, locks.c.expires_at >= now)
            ).scalar()
        return str(value) if value is not None else None


class Heartbeat:
    """Extends a held lock every ``ttl / 3`` seconds on a daemon thread until stopped.

    ``on_lost`` is called (from the thread) if the lock turns out to be someone else's: the
    holder should then start nothing more under it.
    """

    def __init__(
        self,
        store: Store,
        name: str,
        holder: str,
        ttl: float = TTL,
        on_lost: Callable[[], None] | None = None,
    ) -> None:
        self.store, self.name, self.holder, self.ttl = store, name, holder, ttl
        self.on_lost = on_lost
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name=f"lock:{name}")

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self.ttl)

    def _beat(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                held = self.store.locks.extend(self.name, self.holder, self.ttl)
            except SQLAlchemyError as exc:  # a busy store now and then must not end the run:
                log.warning("lock %s: heartbeat failed (%s); retrying", self.name, exc)
                continue  # the next beat comes well before the lock expires
            if not held:
                if self.on_lost is not None:
                    self.on_lost()
                return
