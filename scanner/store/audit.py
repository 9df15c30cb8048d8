"""The audit trail of people's actions in the web application and the account commands.

One row per state change: who (the account), when, from where (the source address, or ``cli``),
what (an action name such as ``waiver.proposed``), on which object, of which entity. Issue state
changes are also ``issue_events`` rows (:mod:`scanner.store.issues`); this log adds the people's
side: proposals, approvals, replies, logins, rescan requests.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import insert, or_, select

from scanner.store.sql import Aggregate
from scanner.store.tables import audit_log


@dataclass(frozen=True)
class AuditRow:
    """One recorded action."""

    id: int
    at: float
    actor: str
    source: str
    action: str
    object_type: str
    object_id: int | None
    entity_id: str | None
    detail: str


class Audit(Aggregate):
    """Record and read the audit trail."""

    def record(
        self,
        *,
        actor: str,
        source: str,
        action: str,
        object_type: str,
        object_id: int | None = None,
        entity_id: str | None = None,
        detail: str = "",
        now: float | None = None,
    ) -> None:
        """Append one action to the trail."""
        with self._store.writer.begin() as conn:
            conn.execute(
                insert(audit_log).values(
                    at=time.time() if now is None else now,
                    actor=actor,
                    source=source[:64],
                    action=action,
                    object_type=object_type,
                    object_id=object_id,
                    entity_id=entity_id,
                    detail=detail,
                )
            )

    def of(self, object_type: str, object_id: int) -> list[AuditRow]:
        """The trail of one object, oldest first."""
        query = select(audit_log).where(
            audit_log.c.object_type == object_type, audit_log.c.object_id == object_id
        )
        return self._rows(query.order_by(audit_log.c.id))

    def recent(self, *, entity: str | None = None, limit: int = 200) -> list[AuditRow]:
        """The newest actions first, of one entity (and those of no entity) or all."""
        query = select(audit_log)
        if entity is not None:
            query = query.where(or_(audit_log.c.entity_id == entity))
        return self._rows(query.order_by(audit_log.c.id.desc()).limit(limit))

    def _rows(self, query: object) -> list[AuditRow]:
        with self._store.engine.connect() as conn:
            return [AuditRow(**r) for r in conn.execute(query).mappings()]  # type: ignore[call-overload]
