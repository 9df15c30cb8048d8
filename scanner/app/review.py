"""Decisions with an approval step, and verification rescans asked for from the web.

An inspector *proposes* a waiver (with its expiry) or a false positive; a lead *approves* it
(the decision is then applied through :mod:`scanner.app.decisions`, with the lead as approver)
or *rejects* it. A verification rescan asked for from the web is only *queued*: the web process
never scans. ``scanner queue run`` (or a scheduler host running it) claims queued requests and
runs them with :func:`scanner.app.notices.verify_and_write`, as ``scanner verify`` does.
Every step is in the audit trail with its account, time and source address.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from scanner.app.accounts import APPROVERS, PROPOSERS, Role
from scanner.app.decisions import mark_false_positive, waive_issue
from scanner.app.documents import registry
from scanner.core.errors import UserError
from scanner.core.lifecycle import IssueState
from scanner.store import Store
from scanner.store.accounts import UserRow
from scanner.store.reviews import ProposalRow, RescanRequestRow

#: Longest text of a reason or a note (a waiver's reason goes on documents).
REASON_LIMIT = 4000


@dataclass(frozen=True)
class Actor:
    """Who acts and from where (a source address, or ``cli``)."""

    user: UserRow
    source: str

    @property
    def role(self) -> Role:
        return Role(self.user.role)


def propose(
    store: Store,
    actor: Actor,
    issue_id: int,
    kind: str,
    reason: str,
    until: date | None,
    *,
    entity: str | None = None,
) -> int:
    """Propose a waiver until ``until`` or a false positive for issue ``issue_id``."""
    if actor.role not in PROPOSERS:
        raise PermissionError("only inspectors, leads and admins propose decisions")
    issue = store.views.issue(issue_id, entity=entity)
    if issue is None:
        raise LookupError(issue_id)
    reason = reason.strip()
    if not reason or len(reason) > REASON_LIMIT:
        raise UserError(f"a proposal needs a reason (at most {REASON_LIMIT} characters).")
    if issue.state == IssueState.FIXED:
        raise UserError(f"issue {issue_id} is already fixed; there is nothing to decide.")
    end: float | None = None
    if kind == "waiver":
        if until is None:
            raise UserError("a waiver needs an expiry date.")
        end = datetime(until.year, until.month, until.day, 23, 59, 59, tzinfo=UTC).timestamp()
        if end <= time.time():
            raise UserError("the waiver's expiry is not in the future. Fix: a later date.")
    elif kind != "false_positive":
        raise UserError(f"unknown proposal {kind!r}: waiver or false_positive.")
    proposal_id = store.reviews.propose(
        issue_id, issue.entity_id, kind, reason, end, actor.user.name
    )
    store.audit.record(
        actor=actor.user.name,
        source=actor.source,
        action=f"{kind}.proposed",
        object_type="issue",
        object_id=issue_id,
        entity_id=issue.entity_id,
        detail=f"proposal {proposal_id}: {reason}"
        + (f" (until {until.isoformat()})" if until else ""),
    )
    return proposal_id


def decide(
    store: Store, actor: Actor, proposal_id: int, *, approve: bool, note: str = ""
) -> ProposalRow:
    """Approve (and apply) or reject a pending proposal; a lead's or admin's decision."""
    if actor.role not in APPROVERS:
        raise PermissionError("only leads and admins approve or reject proposals")
    proposal = store.reviews.proposal(proposal_id)
    if proposal is None:
        raise LookupError(proposal_id)
    note = note.strip()[:REASON_LIMIT]
    now = time.time()
    status = "approved" if approve else "rejected"
    if not store.reviews.decide(proposal_id, status, actor.user.name, note, now):
        raise UserError(f"proposal {proposal_id} was already decided.")
    if approve:
        try:
            if proposal.kind == "waiver":
                assert proposal.until is not None  # a waiver proposal always has its expiry
                until = datetime.fromtimestamp(proposal.until, UTC).date()
                waive_issue(
                    store,
                    proposal.issue_id,
                    reason=proposal.reason,
                    approver=actor.user.name,
                    until=until,
                )
            else:
                mark_false_positive(
                    store, proposal.issue_id, reason=proposal.reason, actor=actor.user.name
                )
        except UserError:
            store.reviews.undecide(proposal_id)  # nothing was applied: it waits again
            raise
    store.audit.record(
        actor=actor.user.name,
        source=actor.source,
        action=f"{proposal.kind}.{status}",
        object_type="issue",
        object_id=proposal.issue_id,
        entity_id=proposal.entity_id,
        detail=f"proposal {proposal_id} by {proposal.proposed_by}" + (f": {note}" if note else ""),
        now=now,
    )
    found = store.reviews.proposal(proposal_id)
    assert found is not None
    return found


def request_rescan(store: Store, actor: Actor, notice_id: int) -> int:
    """Queue a verification rescan of notice ``notice_id`` (run later by ``scanner queue
    run``)."""
    if actor.role not in PROPOSERS:
        raise PermissionError("only inspectors, leads and admins ask for rescans")
    head = store.views.notice(notice_id)
    if head is None:
        raise LookupError(notice_id)
    request_id = store.reviews.request_rescan(notice_id, actor.user.name)
    store.audit.record(
        actor=actor.user.name,
        source=actor.source,
        action="rescan.requested",
        object_type="notice",
        object_id=notice_id,
        entity_id=head.entity_id,
        detail=f"request {request_id}",
    )
    return request_id


def run_queued(
    store: Store,
    out_dir: Path | None,
    *,
    limit: int = 100,
    inventory: Path | None = None,
    campaign: str | None = None,
) -> list[RescanRequestRow]:
    """Claim and run queued rescan requests, oldest first, at most ``limit`` (only those of
    ``campaign``'s notices when given); each notice is re-rendered into ``out_dir`` (html,
    json) in every language, as ``scanner verify`` does, unless ``out_dir`` is None."""
    from scanner.app.notices import verify_and_write  # noqa: PLC0415 - runs scans: only here
    from scanner.app.verify import verify_notice  # noqa: PLC0415

    done = []
    for _ in range(limit):
        request = store.reviews.claim_request(time.time(), campaign)
        if request is None:
            break
        number = store.notices.get(request.notice_id).number
        try:
            if out_dir is None:
                found = verify_notice(store, number, registry(), inventory=inventory)
                status, run_id = str(found.notice.status), found.run.run_id
            else:
                verified = verify_and_write(
                    store, number, out_dir, ["html", "json"], ["zh-CN", "en"], inventory=inventory
                )
                status, run_id = str(verified.notice.status), verified.run.run_id
        except UserError as exc:
            store.reviews.finish_request(request.id, "failed", str(exc), None, time.time())
        except KeyboardInterrupt:  # stopped (a signal): the next runner takes it again
            store.reviews.finish_request(request.id, "queued", "interrupted", None, time.time())
            raise
        except Exception as exc:  # a bug must not leave it "running" nor stop the scheduler
            note = f"{type(exc).__name__}: {exc}"
            store.reviews.finish_request(request.id, "failed", note, None, time.time())
        else:
            store.reviews.finish_request(request.id, "done", status, run_id, time.time())
        finished = store.reviews.requests_by_id(request.id)
        assert finished is not None
        store.audit.record(
            actor=request.requested_by,
            source="queue",
            action=f"rescan.{finished.status}",
            object_type="notice",
            object_id=request.notice_id,
            detail=f"request {request.id}: {finished.note}",
        )
        done.append(finished)
    return done
