"""The attempts aggregate: what a run did and saw, as it happened.

One attempt per check, asset and location with its status; the findings of failed attempts;
the scope guard's refusals; and what discovery found (hosts that answered, their services).
Each batch of attempts is committed as it arrives, with the refusals made since the last one, so
a crash loses at most those in flight, and storing is idempotent by attempt key, so a retried
job does not duplicate findings.

Each attempt is stored with its raw exchanges and chained (:mod:`scanner.core.evidence`): in the
batch's transaction, under a lock on the run's row (``SELECT ... FOR NO KEY UPDATE`` on PostgreSQL;
SQLite's writers already queue at ``BEGIN IMMEDIATE``), the new attempts' canonical records are
read back as stored and appended to the run's chain in attempt id order. Several workers
writing one run therefore append one after the other, each to the head the previous one left:
the chain's order is the order of commits, and its ids rise with it because the lock is taken
before the attempts are inserted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, insert, select

from scanner.core.evidence import (
    Exchange,
    attempt_digest,
    chain_genesis,
    chain_link,
)
from scanner.core.models import (
    Attempt,
    AttemptStatus,
    CredentialTries,
    ErrorReason,
    Finding,
    HostScan,
    Privilege,
    Refusal,
    Service,
    Severity,
)
from scanner.store.sql import Aggregate, chunks, insert_ignoring_duplicates
from scanner.store.tables import (
    attempt_chain,
    attempts,
    credential_tries,
    exchanges,
    findings,
    hosts,
    refusals,
    runs,
    services,
)


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
        check_sha256: the code hash of the check that ran (empty before migration 0011).
        privilege: how an on-site attempt's root-only commands ran (a
            :class:`~scanner.core.models.Privilege` value), None when it ran none.
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
    check_sha256: str = ""
    privilege: str | None = None


@dataclass(frozen=True)
class ChainLink:
    """One link of a run's attempt chain.

    Attributes:
        seq: its place in the chain, from 1.
        attempt_id: the attempt it stands for.
        digest: the SHA-256 of the attempt's canonical record when it was stored.
        head: the chain's head after it.
        at: when it was appended (the storing machine's clock).
    """

    seq: int
    attempt_id: int
    digest: str
    head: str
    at: float


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
                "check_sha256": a.check_sha256,
                "privilege": a.privilege.value if a.privilege else None,
            }
            for a in batch
        ]
        with self._store.writer.begin() as conn:
            # The chain's order is the order of commits: take the run's row first (see the
            # module docstring), so ids assigned below rise with it. FOR NO KEY UPDATE: other
            # writers of the run queue here, while rows that merely refer to the run (hosts,
            # refusals of another process) are not held up.
            conn.execute(
                select(runs.c.id).where(runs.c.id == run_id).with_for_update(key_share=True)
            )
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
            stored: set[tuple[int, str]] = set()
            if found:
                # Two targets of one asset may report the same location (a check reading two
                # ports that both show one config file): the fingerprint is the identity, the
                # first stays. RETURNING says which were stored, for the chain.
                statement = insert_ignoring_duplicates(conn, findings).returning(
                    findings.c.attempt_id, findings.c.fingerprint
                )
                stored = {(r[0], r[1]) for r in conn.execute(statement, found)}
            kept = [
                {
                    "run_id": run_id,
                    "attempt_id": inserted[attempt.key],
                    "seq": seq,
                    "kind": x.kind,
                    "source": x.source[:80],
                    "destination": x.destination[:80],
                    "started_at": x.started_at,
                    "ended_at": x.ended_at,
                    "label": x.label,
                    "sent": x.sent,
                    "received": x.received,
                    "sent_total": x.sent_total,
                    "received_total": x.received_total,
                    "cut": x.cut,
                    "turns": [list(t) for t in x.turns],
                }
                for attempt in batch
                if attempt.key in inserted
                for seq, x in enumerate(attempt.exchanges, 1)
            ]
            if kept:
                conn.execute(insert(exchanges), kept)
            # The chain is computed from the rows as written (the same canonical records
            # `records` reads back later), not read back: a batch costs one more INSERT.
            by_id: dict[int, tuple[dict[str, Any], list[Any], list[Any]]] = {
                inserted[row["key"]]: ({**row, "id": inserted[row["key"]]}, [], [])
                for row in rows
                if row["key"] in inserted
            }
            for f in found:
                if (f["attempt_id"], f["fingerprint"]) in stored:
                    by_id[int(str(f["attempt_id"]))][1].append(f)
            for x in kept:
                by_id[int(str(x["attempt_id"]))][2].append(x)
            _append_to_chain(conn, run_id, [(i, _canonical(*by_id[i])) for i in sorted(by_id)])
            _insert_refusals(conn, run_id, refused)
        return len(inserted)

    def chain(self, run_id: int) -> list[ChainLink]:
        """Run ``run_id``'s attempt chain, in order."""
        with self._store.engine.connect() as conn:
            rows = conn.execute(
                select(attempt_chain)
                .where(attempt_chain.c.run_id == run_id)
                .order_by(attempt_chain.c.seq)
            ).mappings()
            return [
                ChainLink(r["seq"], r["attempt_id"], r["digest"], r["head"], r["at"]) for r in rows
            ]

    def unchained(self, run_id: int) -> list[int]:
        """The ids of run ``run_id``'s attempts that have no link in its chain, lowest first."""
        linked = select(attempt_chain.c.attempt_id).where(attempt_chain.c.run_id == run_id)
        query = (
            select(attempts.c.id)
            .where(attempts.c.run_id == run_id, attempts.c.id.not_in(linked))
            .order_by(attempts.c.id)
        )
        with self._store.engine.connect() as conn:
            return [int(i) for i in conn.execute(query).scalars()]

    def records(self, run_id: int, ids: Collection[int] | None = None) -> dict[int, dict[str, Any]]:
        """The canonical records of run ``run_id``'s attempts (all, or those of ``ids``) as
        stored now: what their chain digests are computed over."""
        with self._store.engine.connect() as conn:
            return _records(conn, run_id, ids)

    def exchanges(self, attempt_ids: Collection[int]) -> dict[int, list[Exchange]]:
        """The exchanges of the attempts ``attempt_ids``, each attempt's in order."""
        found: dict[int, list[Exchange]] = {i: [] for i in attempt_ids}
        if not attempt_ids:
            return found
        with self._store.engine.connect() as conn:
            rows = conn.execute(
                select(exchanges)
                .where(exchanges.c.attempt_id.in_(list(attempt_ids)))
                .order_by(exchanges.c.attempt_id, exchanges.c.seq)
            ).mappings()
            for r in rows:
                found[r["attempt_id"]].append(_exchange(r))
        return found

    def finding(self, run_id: int, fingerprint: str) -> FindingRow | None:
        """Run ``run_id``'s finding with ``fingerprint``, or None."""
        with self._store.engine.connect() as conn:
            r = (
                conn.execute(
                    select(findings).where(
                        findings.c.run_id == run_id, findings.c.fingerprint == fingerprint
                    )
                )
                .mappings()
                .first()
            )
        return None if r is None else FindingRow(**{**r, "severity": Severity(r["severity"])})

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
                    "cpe": s.cpe,
                    "os_cpe": s.os_cpe,
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
                    Service(r.address, r.port, r.protocol, r.name, r.product, r.cpe, r.os_cpe)
                )
        return {
            a: HostScan(address=a, answered=bool(up), services=tuple(found.get(a, ())))
            for a, up in answered.items()
        }

    def findings(self, run_id: int, entities: Collection[str] | None = None) -> list[FindingRow]:
        """A run's findings (of ``entities``, or all), worst severity first."""
        query = select(findings).where(findings.c.run_id == run_id)
        with self._store.engine.connect() as conn:
            rows = [
                r
                for q in _of_entities(query, findings.c.entity_id, entities)
                for r in conn.execute(q).mappings()
            ]
            out = [FindingRow(**{**r, "severity": Severity(r["severity"])}) for r in rows]
        out.sort(key=lambda f: (-f.severity.rank, f.entity_id, f.asset_id, f.check_id, f.location))
        return out

    def finding_detail(self, run_id: int, fingerprint: str) -> dict[str, Any]:
        """The detail of the finding with ``fingerprint`` in run ``run_id`` (empty if none):
        what risk reads a CVSS score and the known-exploited flag from."""
        return self.finding_details([(run_id, fingerprint)]).get((run_id, fingerprint), {})

    def finding_details(
        self, wanted: Collection[tuple[int, str]]
    ) -> dict[tuple[int, str], dict[str, Any]]:
        """The details of the findings ``wanted`` (run id and fingerprint), in a statement per
        run and 500 fingerprints; a finding that is not stored is left out."""
        by_run: dict[int, list[str]] = {}
        for run_id, fingerprint in sorted(set(wanted)):
            by_run.setdefault(run_id, []).append(fingerprint)
        found: dict[tuple[int, str], dict[str, Any]] = {}
        with self._store.engine.connect() as conn:
            for run_id, fingerprints in by_run.items():
                for chunk in chunks(fingerprints):
                    query = select(findings.c.fingerprint, findings.c.detail).where(
                        findings.c.run_id == run_id, findings.c.fingerprint.in_(chunk)
                    )
                    for fingerprint, stored in conn.execute(query):
                        found[(run_id, fingerprint)] = _detail(stored)
        return found

    def lacking_privilege(self, run_id: int, entity_id: str | None = None) -> int:
        """Error attempts of the run (of one entity) whose root-only reads did not run as root
        (privilege ``none`` or ``refused``): what could not be verified for lack of privilege."""
        query = select(func.count()).where(*_lacking(run_id))
        if entity_id is not None:
            query = query.where(attempts.c.entity_id == entity_id)
        with self._store.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def lacking_privilege_of(self, run_id: int, entities: Collection[str]) -> dict[str, int]:
        """:meth:`lacking_privilege` for each of ``entities`` that has such attempts."""
        query = select(attempts.c.entity_id, func.count()).where(*_lacking(run_id))
        with self._store.engine.connect() as conn:
            return {
                str(entity): int(n)
                for q in _of_entities(query, attempts.c.entity_id, entities)
                for entity, n in conn.execute(q.group_by(attempts.c.entity_id))
            }

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

    def credential_tries(
        self,
        run_id: int,
        entity_id: str | None = None,
        *,
        entities: Collection[str] | None = None,
    ) -> list[TriesRow]:
        """The logins a run's credential checks sent (of one entity's assets, or of
        ``entities``'), in the order stored."""
        query = select(credential_tries).where(credential_tries.c.run_id == run_id)
        if entity_id is not None:
            query = query.where(credential_tries.c.entity_id == entity_id)
        with self._store.engine.connect() as conn:
            rows = [
                r
                for q in _of_entities(query, credential_tries.c.entity_id, entities)
                for r in conn.execute(q).mappings()
            ]
        rows.sort(key=lambda r: int(r["id"]))
        return [
            TriesRow(
                check_id=r["check_id"],
                entity_id=r["entity_id"],
                asset_id=r["asset_id"],
                tries=CredentialTries(
                    r["address"], r["port"], r["service"], r["account"], r["tries"]
                ),
            )
            for r in rows
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


def _detail(stored: Any) -> dict[str, Any]:
    """A finding's detail as read (JSON text on some drivers), or empty when not a mapping."""
    value = json.loads(stored) if isinstance(stored, str) else stored
    return dict(value) if isinstance(value, dict) else {}


def _lacking(run_id: int) -> tuple[ColumnElement[bool], ...]:
    """The conditions of a run's error attempts that lacked root for their root-only reads."""
    return (
        attempts.c.run_id == run_id,
        attempts.c.status == AttemptStatus.ERROR.value,
        attempts.c.privilege.in_([p.value for p in Privilege if p.lacking]),
    )


def _of_entities(
    query: Select[Any], column: ColumnElement[Any], entities: Collection[str] | None
) -> list[Select[Any]]:
    """``query`` as is (``entities`` None), or restricted to ``entities``: one statement per
    500 of them."""
    if entities is None:
        return [query]
    return [query.where(column.in_(chunk)) for chunk in chunks(sorted(set(entities)))]


def _append_to_chain(
    conn: Connection, run_id: int, records: Sequence[tuple[int, dict[str, Any]]]
) -> None:
    """Append the attempts just inserted (id and canonical record, in id order) to the run's
    chain; the caller holds the run's row lock."""
    if not records:
        return
    last = conn.execute(
        select(attempt_chain.c.seq, attempt_chain.c.head)
        .where(attempt_chain.c.run_id == run_id)
        .order_by(attempt_chain.c.seq.desc())
        .limit(1)
    ).first()
    seq, head = (int(last[0]), str(last[1])) if last is not None else (0, chain_genesis(run_id))
    now = time.time()
    links = []
    for attempt_id, record in records:
        digest = attempt_digest(record)
        seq, head = seq + 1, chain_link(head, digest)
        links.append(
            {
                "run_id": run_id,
                "seq": seq,
                "attempt_id": attempt_id,
                "digest": digest,
                "head": head,
                "at": now,
            }
        )
    conn.execute(insert(attempt_chain), links)


#: The attempt columns of a canonical record.
_RECORD_COLUMNS = (
    "id",
    "run_id",
    "key",
    "check_id",
    "entity_id",
    "asset_id",
    "location",
    "status",
    "reason",
    "error_reason",
    "traceback",
    "started_at",
    "duration",
    "check_sha256",
)
_FINDING_COLUMNS = (
    "fingerprint",
    "check_id",
    "entity_id",
    "asset_id",
    "location",
    "severity",
    "evidence",
    "detail",
)


def _records(
    conn: Connection, run_id: int, ids: Collection[int] | None
) -> dict[int, dict[str, Any]]:
    """Canonical records (:func:`scanner.core.evidence.attempt_digest` hashes them) of a
    run's attempts: their columns, findings by fingerprint, exchanges by seq with the digests
    of their bytes."""
    query = select(attempts).where(attempts.c.run_id == run_id)
    found_q = select(findings).where(findings.c.run_id == run_id)
    kept_q = select(exchanges).where(exchanges.c.run_id == run_id)
    if ids is not None:
        wanted = list(ids)
        if not wanted:
            return {}
        query = query.where(attempts.c.id.in_(wanted))
        found_q = found_q.where(findings.c.attempt_id.in_(wanted))
        kept_q = kept_q.where(exchanges.c.attempt_id.in_(wanted))
    parts: dict[int, tuple[Any, list[Any], list[Any]]] = {
        int(r["id"]): (r, [], []) for r in conn.execute(query).mappings()
    }
    for r in conn.execute(found_q).mappings():
        if r["attempt_id"] in parts:
            parts[r["attempt_id"]][1].append(r)
    for r in conn.execute(kept_q).mappings():
        if r["attempt_id"] in parts:
            parts[r["attempt_id"]][2].append(r)
    return {i: _canonical(*p) for i, p in parts.items()}


def _canonical(attempt: Any, found: Sequence[Any], kept: Sequence[Any]) -> dict[str, Any]:
    """The canonical record of one attempt from its rows (as written, or as read back: the
    same values either way): its columns, findings by fingerprint, exchanges by seq with the
    digests of their bytes."""
    record = {c: attempt[c] for c in _RECORD_COLUMNS}
    record.update(
        id=int(record["id"]),
        run_id=int(record["run_id"]),
        started_at=float(record["started_at"]),
        duration=float(record["duration"]),
    )
    # A finding's detail is already plain JSON (dicts with text keys, lists, text, numbers:
    # core.models cleans it so), so as written it equals what the JSON column reads back.
    record["findings"] = [
        {c: f[c] for c in _FINDING_COLUMNS}
        for f in sorted(found, key=lambda f: str(f["fingerprint"]))
    ]
    record["exchanges"] = [
        _exchange(x).record(int(x["seq"])) for x in sorted(kept, key=lambda x: int(x["seq"]))
    ]
    return record


def _exchange(r: Any) -> Exchange:
    return Exchange(
        kind=r["kind"],
        source=r["source"],
        destination=r["destination"],
        started_at=float(r["started_at"]),
        ended_at=float(r["ended_at"]),
        label=r["label"],
        sent=bytes(r["sent"]),
        received=bytes(r["received"]),
        sent_total=r["sent_total"],
        received_total=r["received_total"],
        turns=tuple((str(d), int(n)) for d, n in r["turns"]),
        cut=bool(r["cut"]),
    )


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
