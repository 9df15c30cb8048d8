"""The attempts aggregate: what a run did and saw, as it happened.

One attempt per check, asset and location with its status; the findings of failed attempts;
the scope guard's refusals; and what discovery found (hosts that answered, their services).
Each batch of attempts is committed as it arrives, with the refusals made since the last one, so
a crash loses at most those in flight, and storing is idempotent by attempt key, so a retried
job does not duplicate findings.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select

from scanner.core.models import (
    Attempt,
    AttemptStatus,
    CredentialTries,
    ErrorReason,
    Finding,
    HostScan,
    Refusal,
    Service,
    Severity,
)
from scanner.store.sql import Aggregate, insert_ignoring_duplicates
from scanner.store.tables import attempts, credential_tries, findings, hosts, refusals, services


@dataclass(frozen=True)
class AttemptRow:
    """A stored attempt.

    Attributes:
        id / run_id / key: its row, its run, and its key in the run (one per job).
        check_id / entity_id / asset_id / location: what ran where.
        status: pass, fail, error, skipped or not_applicable; ``reason`` says why.
        error_reason: for an error, its class (connectivity, timeout, bug...), else None.
        traceback: for a bug in a check, else empty.
        started_at / duration: when it started (epoch seconds) and how long it took.
    """

    id: int
    run_id: int
    key: str
    check_id: str
    entity_id: str
    asset_id: str
    location: str
    status: AttemptStatus
    reason: str
    error_reason: str | None
    traceback: str
    started_at: float
    duration: float


@dataclass(frozen=True)
class FindingRow:
    """A stored finding of one run (``detail`` is the check's structured evidence)."""

    id: int
    run_id: int
    attempt_id: int
    fingerprint: str
    check_id: str
    entity_id: str
    asset_id: str
    location: str
    severity: Severity
    evidence: str
    detail: Any


@dataclass(frozen=True)
class RefusalRow:
    """Something the scope guard refused in a run."""

    id: int
    run_id: int
    target: str
    reason: str
    check_id: str
    at: float


@dataclass(frozen=True)
class TriesRow:
    """The logins one credential check sent to one account, as stored.

    Attributes:
        check_id / entity_id / asset_id: the attempt they belong to.
        tries: the service, account and count (never a password).
    """

    check_id: str
    entity_id: str
    asset_id: str
    tries: CredentialTries


class Attempts(Aggregate):
    """A run's attempts, findings, refusals and discovery results."""

    def record(self, run_id: int, batch: Sequence[Attempt], refused: Sequence[Refusal] = ()) -> int:
        """Store attempts, their findings and the scope guard's refusals ``refused`` in one
        transaction (a bulk statement each).

        Idempotent by attempt key: an attempt the run already has (a job retried after its
        worker died between the commit and the acknowledgement) is skipped with its findings.
        Returns how many attempts were new.
        """
        if not batch:
            if refused:
                with self._store.writer.begin() as conn:
                    _insert_refusals(conn, run_id, refused)
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
        with self._store.writer.begin() as conn:
            # One executemany; RETURNING gives the rows actually inserted (none for a key the
            # run already has), each with its key to pair it with its attempt.
            statement = insert_ignoring_duplicates(conn, attempts)
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
            tries = [
                {
                    "run_id": run_id,
                    "attempt_id": inserted[attempt.key],
                    "check_id": attempt.check_id,
                    "entity_id": attempt.entity_id,
                    "asset_id": attempt.asset_id,
                    "address": t.address,
                    "port": t.port,
                    "service": t.service,
                    "account": t.account,
                    "tries": t.tries,
                }
                for attempt in batch
                if attempt.key in inserted
                for t in attempt.credential_tries
            ]
            if tries:
                conn.execute(insert(credential_tries), tries)
            if found:
                # Two targets of one asset may report the same location (a check reading two
                # ports that both show one config file): the fingerprint is the identity, the
                # first stays.
                conn.execute(insert_ignoring_duplicates(conn, findings), found)
            _insert_refusals(conn, run_id, refused)
        return len(inserted)

    def record_refusals(self, run_id: int, batch: Sequence[Refusal]) -> None:
        """Store what the scope guard refused (those no batch carried: a run's last ones)."""
        self.record(run_id, (), batch)

    def record_discovery(
        self,
        run_id: int,
        answered: dict[str, bool],
        found: Iterable[Service],
        refused: Sequence[Refusal] = (),
    ) -> None:
        """Store which hosts answered, what services discovery found and what the scope guard
        refused meanwhile, in one transaction."""
        with self._store.writer.begin() as conn:
            _insert_refusals(conn, run_id, refused)
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

    def discovery(self, run_id: int) -> dict[str, HostScan]:
        """What discovery stored for a run (empty if it did not finish)."""
        with self._store.engine.connect() as conn:
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

    def findings(self, run_id: int) -> list[FindingRow]:
        """A run's findings, worst severity first."""
        with self._store.engine.connect() as conn:
            rows = conn.execute(select(findings).where(findings.c.run_id == run_id)).mappings()
            out = [FindingRow(**{**r, "severity": Severity(r["severity"])}) for r in rows]
        out.sort(key=lambda f: (-f.severity.rank, f.entity_id, f.asset_id, f.check_id, f.location))
        return out

    def of_run(self, run_id: int, status: AttemptStatus | None = None) -> list[AttemptRow]:
        """A run's attempts in the order stored, optionally of one status."""
        query = select(attempts).where(attempts.c.run_id == run_id)
        if status is not None:
            query = query.where(attempts.c.status == status.value)
        with self._store.engine.connect() as conn:
            return [
                AttemptRow(**{**r, "status": AttemptStatus(r["status"])})
                for r in conn.execute(query.order_by(attempts.c.id)).mappings()
            ]

    def credential_tries(self, run_id: int, entity_id: str | None = None) -> list[TriesRow]:
        """The logins a run's credential checks sent (of one entity's assets), in the order
        stored."""
        query = select(credential_tries).where(credential_tries.c.run_id == run_id)
        if entity_id is not None:
            query = query.where(credential_tries.c.entity_id == entity_id)
        with self._store.engine.connect() as conn:
            return [
                TriesRow(
                    check_id=r["check_id"],
                    entity_id=r["entity_id"],
                    asset_id=r["asset_id"],
                    tries=CredentialTries(
                        r["address"], r["port"], r["service"], r["account"], r["tries"]
                    ),
                )
                for r in conn.execute(query.order_by(credential_tries.c.id)).mappings()
            ]

    def refusals(self, run_id: int) -> list[RefusalRow]:
        """What the scope guard refused in a run."""
        with self._store.engine.connect() as conn:
            query = select(refusals).where(refusals.c.run_id == run_id).order_by(refusals.c.id)
            return [RefusalRow(**r) for r in conn.execute(query).mappings()]

    def keys(self, run_id: int, among: Collection[str] | None = None) -> set[str]:
        """Keys of the attempts a run already stored (for resuming it), or those of them in
        ``among`` (a worker's job keys)."""
        query = select(attempts.c.key).where(attempts.c.run_id == run_id)
        if among is not None:
            if not among:
                return set()
            query = query.where(attempts.c.key.in_(list(among)))
        with self._store.engine.connect() as conn:
            return set(conn.execute(query).scalars())

    def count(self, run_id: int) -> int:
        """How many attempts a run has stored."""
        with self._store.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(attempts).where(attempts.c.run_id == run_id)
                ).scalar_one()
            )

    def after(
        self, run_id: int, after_id: int = 0, known: Collection[str] = frozenset()
    ) -> tuple[int, list[Attempt]]:
        """The highest attempt id of the run above ``after_id`` (else ``after_id``), and those
        attempts whose keys are not in ``known``, without findings: what a coordinator shows
        as workers store them."""
        with self._store.engine.connect() as conn:
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


def _insert_refusals(conn: Connection, run_id: int, batch: Sequence[Refusal]) -> None:
    if batch:
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


def _unique_findings(attempt: Attempt) -> list[tuple[str, Finding]]:
    # A check that reports one location twice yields one finding: the fingerprint is the identity.
    seen: dict[str, Finding] = {}
    for f in attempt.findings:
        seen.setdefault(f.fingerprint, f)
    return list(seen.items())
