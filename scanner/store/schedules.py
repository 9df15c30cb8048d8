"""The schedules aggregate: the scheduler's log (``schedule_events``), one row per due time
it handled.

The row is written *before* the run starts (outcome ``started``), and the table's unique
(schedule, due time) constraint makes that insert the claim: of two schedulers that reach the same
due time, only the one whose insert succeeds runs it. The row is then updated with the run's id
and its end (``completed``, ``failed``, ``interrupted``). Due times not run are ``missed`` (late,
or the window closed) or ``skipped`` (nothing to do, e.g. a notice already rectified).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from scanner.store.sql import Aggregate
from scanner.store.tables import schedule_events


@dataclass(frozen=True)
class Event:
    """One handled due time.

    Attributes:
        schedule: the schedule's name (``campaign/profile``, or ``verify:NOTICE``).
        due_at: the due time (UTC epoch seconds).
        started_at / finished_at: when its run started and ended (None if it did not).
        run_id: the run, once it exists.
        outcome: started, completed, failed, interrupted, missed or skipped.
        note: why (a miss, a failure, an interruption), else empty.
    """

    schedule: str
    due_at: float
    started_at: float | None
    finished_at: float | None
    run_id: int | None
    outcome: str
    note: str


class Schedules(Aggregate):
    """The scheduler's log: claim a due time, record its end, read what was handled."""

    def claim(self, schedule: str, due_at: float, now: float | None = None) -> int | None:
        """Log due time ``due_at`` as started; its row id, or None if it was already handled."""
        now = time.time() if now is None else now
        try:
            with self._store.writer.begin() as conn:
                result = conn.execute(
                    insert(schedule_events).values(
                        schedule=schedule, due_at=due_at, started_at=now, outcome="started", note=""
                    )
                )
        except IntegrityError:  # the unique (schedule, due_at): someone else has it
            return None
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def record(self, schedule: str, due_at: float, outcome: str, note: str) -> bool:
        """Log a due time that did not run (missed or skipped); False if it was already logged."""
        try:
            with self._store.writer.begin() as conn:
                conn.execute(
                    insert(schedule_events).values(
                        schedule=schedule, due_at=due_at, outcome=outcome, note=note
                    )
                )
        except IntegrityError:
            return False
        return True

    def set_run(self, event_id: int, run_id: int) -> None:
        """Attach the run a started due time created."""
        with self._store.writer.begin() as conn:
            conn.execute(
                update(schedule_events)
                .where(schedule_events.c.id == event_id)
                .values(run_id=run_id)
            )

    def finish(
        self,
        event_id: int,
        outcome: str,
        note: str = "",
        run_id: int | None = None,
        now: float | None = None,
    ) -> None:
        """Log the end of a started due time's run."""
        values: dict[str, object] = {
            "outcome": outcome,
            "note": note,
            "finished_at": time.time() if now is None else now,
        }
        if run_id is not None:
            values["run_id"] = run_id
        with self._store.writer.begin() as conn:
            conn.execute(
                update(schedule_events).where(schedule_events.c.id == event_id).values(**values)
            )

    def latest_due(self, schedule: str) -> float | None:
        """The latest due time handled for ``schedule`` (None before the first)."""
        with self._store.engine.connect() as conn:
            value = conn.execute(
                select(func.max(schedule_events.c.due_at)).where(
                    schedule_events.c.schedule == schedule
                )
            ).scalar()
        return float(value) if value is not None else None

    def handled(self, schedule: str) -> set[float]:
        """Every due time logged for ``schedule``."""
        with self._store.engine.connect() as conn:
            query = select(schedule_events.c.due_at).where(schedule_events.c.schedule == schedule)
            return {float(v) for v in conn.execute(query).scalars()}

    def events(self, schedule: str | None = None, limit: int = 100) -> list[Event]:
        """The newest logged due times first, of one schedule or all."""
        query = select(schedule_events).order_by(
            schedule_events.c.due_at.desc(), schedule_events.c.id.desc()
        )
        if schedule is not None:
            query = query.where(schedule_events.c.schedule == schedule)
        with self._store.engine.connect() as conn:
            rows = conn.execute(query.limit(limit)).mappings().all()
        return [
            Event(
                schedule=r["schedule"],
                due_at=r["due_at"],
                started_at=r["started_at"],
                finished_at=r["finished_at"],
                run_id=r["run_id"],
                outcome=r["outcome"],
                note=r["note"],
            )
            for r in rows
        ]
