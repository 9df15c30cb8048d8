"""Decisions waiting for a person: proposed waivers and false positives, until a lead approves
or rejects them, and verification rescans asked for from the web, until a runner takes them.

A proposal is decided once: the UPDATE that moves it out of ``pending`` is the claim, so two
leads approving at once approve it once. A rescan request is claimed the same way by the
process that runs it (``scanner queue run``); the web process never runs a scan.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from scanner.store.sql import Aggregate
from scanner.store.tables import notices, proposals, rescan_requests


@dataclass(frozen=True)
class ProposalRow:
    """A proposed decision on an issue: a waiver (with its expiry) or a false positive."""

    id: int
    issue_id: int
    entity_id: str
    kind: str
    reason: str
    until: float | None
    proposed_by: str
    proposed_at: float
    status: str
    decided_by: str | None
    decided_at: float | None
    note: str


@dataclass(frozen=True)
class RescanRequestRow:
    """A verification rescan of a notice, asked for and queued."""

    id: int
    notice_id: int
    requested_by: str
    requested_at: float
    status: str
    claimed_at: float | None
    finished_at: float | None
    run_id: int | None
    note: str


class Reviews(Aggregate):
    """Proposals and rescan requests."""

    def propose(
        self,
        issue_id: int,
        entity_id: str,
        kind: str,
        reason: str,
        until: float | None,
        by: str,
        now: float | None = None,
    ) -> int:
        """A new pending proposal."""
        with self._store.writer.begin() as conn:
            result = conn.execute(
                insert(proposals).values(
                    issue_id=issue_id,
                    entity_id=entity_id,
                    kind=kind,
                    reason=reason,
                    until=until,
                    proposed_by=by,
                    proposed_at=time.time() if now is None else now,
                    status="pending",
                )
            )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def proposal(self, proposal_id: int) -> ProposalRow | None:
        """One proposal, or None."""
        rows = self._proposals(select(proposals).where(proposals.c.id == proposal_id))
        return rows[0] if rows else None

    def proposals(
        self, *, status: str | None = None, issue_id: int | None = None, entity: str | None = None
    ) -> list[ProposalRow]:
        """Proposals, newest first, filtered."""
        query = select(proposals)
        if status is not None:
            query = query.where(proposals.c.status == status)
        if issue_id is not None:
            query = query.where(proposals.c.issue_id == issue_id)
        if entity is not None:
            query = query.where(proposals.c.entity_id == entity)
        return self._proposals(query.order_by(proposals.c.id.desc()).limit(500))

    def decide(self, proposal_id: int, status: str, by: str, note: str, now: float) -> bool:
        """Move a pending proposal to ``status``; False when it was no longer pending."""
        with self._store.writer.begin() as conn:
            changed = conn.execute(
                update(proposals)
                .where(proposals.c.id == proposal_id, proposals.c.status == "pending")
                .values(status=status, decided_by=by, decided_at=now, note=note)
            ).rowcount
        return changed == 1

    def undecide(self, proposal_id: int) -> None:
        """Put a proposal back to pending (its decision could not be applied)."""
        with self._store.writer.begin() as conn:
            conn.execute(
                update(proposals)
                .where(proposals.c.id == proposal_id)
                .values(status="pending", decided_by=None, decided_at=None, note="")
            )

    def _proposals(self, query: object) -> list[ProposalRow]:
        with self._store.engine.connect() as conn:
            return [ProposalRow(**r) for r in conn.execute(query).mappings()]  # type: ignore[call-overload]

    # -- rescan requests -----------------------------------------------------------------
    def request_rescan(self, notice_id: int, by: str, now: float | None = None) -> int:
        """Queue a verification rescan of a notice."""
        with self._store.writer.begin() as conn:
            result = conn.execute(
                insert(rescan_requests).values(
                    notice_id=notice_id,
                    requested_by=by,
                    requested_at=time.time() if now is None else now,
                    status="queued",
                )
            )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def requests(self, *, notice_id: int | None = None, limit: int = 100) -> list[RescanRequestRow]:
        """Rescan requests, newest first."""
        query = select(rescan_requests)
        if notice_id is not None:
            query = query.where(rescan_requests.c.notice_id == notice_id)
        with self._store.engine.connect() as conn:
            return [
                RescanRequestRow(**r)
                for r in conn.execute(
                    query.order_by(rescan_requests.c.id.desc()).limit(limit)
                ).mappings()
            ]

    def claim_request(self, now: float, campaign: str | None = None) -> RescanRequestRow | None:
        """Take the oldest queued request (of a notice of ``campaign``, when given): it becomes
        ``running``; None when there is none."""
        query = (
            select(rescan_requests.c.id)
            .where(rescan_requests.c.status == "queued")
            .order_by(rescan_requests.c.id)
            .limit(1)
        )
        if campaign is not None:
            query = query.join(notices, notices.c.id == rescan_requests.c.notice_id).where(
                notices.c.campaign == campaign
            )
        for _ in range(10):  # another runner may take the one we saw: try the next
            with self._store.engine.connect() as conn:
                found = conn.execute(query).scalar()
            if found is None:
                return None
            with self._store.writer.begin() as conn:
                claimed = conn.execute(
                    update(rescan_requests)
                    .where(rescan_requests.c.id == found, rescan_requests.c.status == "queued")
                    .values(status="running", claimed_at=now)
                ).rowcount
            if claimed == 1:
                return self.requests_by_id(int(found))
        return None

    def requests_by_id(self, request_id: int) -> RescanRequestRow | None:
        """One request, or None."""
        with self._store.engine.connect() as conn:
            row = (
                conn.execute(select(rescan_requests).where(rescan_requests.c.id == request_id))
                .mappings()
                .first()
            )
        return RescanRequestRow(**row) if row else None

    def finish_request(
        self, request_id: int, status: str, note: str, run_id: int | None, now: float
    ) -> None:
        """Record how a claimed request ended (``done`` or ``failed``)."""
        with self._store.writer.begin() as conn:
            conn.execute(
                update(rescan_requests)
                .where(rescan_requests.c.id == request_id)
                .values(status=status, note=note, run_id=run_id, finished_at=now)
            )
