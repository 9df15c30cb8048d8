"""The REST API under ``/api/v1``: runs, entities, issues, notices, waivers (proposals),
replies, and the DefectDojo export; OpenAPI at ``/api/v1/openapi.json``, described at
``/api/docs``.

Authentication is a bearer token (``scanner tokens create NAME``); a logged-in browser session
may also read (GET). Writes take a bearer token only, so a page of another site cannot make a
browser write here. Authorization is the pages': a liaison's requests see only their entity,
and anything else is 404. Lists are paginated by id: ``limit`` (at most 500) and ``after`` (the
``next_after`` of the previous page).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from scanner.app.accounts import Role, token_user
from scanner.app.documents import FORMATS, MEDIA_TYPES, SUFFIX, notice, render
from scanner.app.export import defectdojo
from scanner.app.replies import post_reply
from scanner.app.review import decide, propose
from scanner.core.errors import UserError
from scanner.core.lifecycle import IssueState
from scanner.store.issues import IssueRow
from scanner.store.notices import NoticeRow
from scanner.web.app import state
from scanner.web.context import Ctx, NeedLogin, NotFound, ctx

router = APIRouter(prefix="/api/v1", tags=["v1"])
MAX_LIMIT = 500


def caller(request: Request) -> Ctx:
    """The request's account: a bearer token, or (for GET) a logged-in session."""
    c = ctx(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = token_user(state(request).store, header[7:].strip())
        if user is None:
            raise NeedLogin
        c.bearer = user
        return c
    if c.user is None or request.method != "GET":
        raise NeedLogin
    return c


Caller = Annotated[Ctx, Depends(caller)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


def _issue(r: IssueRow) -> dict[str, Any]:
    return {
        "id": r.id,
        "fingerprint": r.fingerprint,
        "entity_id": r.entity_id,
        "asset_id": r.asset_id,
        "check_id": r.check_id,
        "location": r.location,
        "severity": r.severity.value,
        "state": r.state.value,
        "evidence": r.evidence,
        "first_seen_run": r.first_seen_run,
        "last_seen_run": r.last_seen_run,
        "first_seen_at": r.first_seen_at,
        "last_seen_at": r.last_seen_at,
        "deadline": r.deadline,
        "waiver_reason": r.waiver_reason,
        "waiver_approver": r.waiver_approver,
        "waiver_until": r.waiver_until,
    }


def _notice(n: NoticeRow) -> dict[str, Any]:
    return asdict(n)


@router.get("/runs", summary="List runs, newest first (not for liaisons)")
def runs(c: Caller, limit: Limit = 50) -> dict[str, Any]:
    if c.entity is not None:
        raise NotFound
    return {"items": [asdict(r) for r in state(c.request).store.runs.recent(limit)]}


@router.get("/runs/{run_id}", summary="One run with its error and skipped attempts")
def run(c: Caller, run_id: int, limit: Limit = 100, after: int = 0) -> dict[str, Any]:
    if c.entity is not None:
        raise NotFound
    store = state(c.request).store
    try:
        head = store.runs.get(run_id)
    except UserError:
        raise NotFound from None
    found = store.views.attempts(run_id, statuses=("error", "skipped"), after=after, limit=limit)
    return {
        "run": asdict(head),
        "attempts": [{**asdict(a), "status": a.status.value} for a in found.rows],
        "next_after": found.next_after,
    }


@router.get("/entities", summary="Entities with their active issues by risk level")
def entities(c: Caller) -> dict[str, Any]:
    figures = state(c.request).dashboard.figures(c.entity)
    return {
        "items": [
            {"id": i, "name": figures.names.get(i, i), "active": figures.levels.get(i, {})}
            for i in figures.entities
        ]
    }


@router.get("/issues", summary="List issues (filters: state, entity, severity, check)")
def issues(
    c: Caller,
    limit: Limit = 50,
    after: Annotated[int, Query(ge=0)] = 0,
    state_: Annotated[IssueState | None, Query(alias="state")] = None,
    entity: str | None = None,
    severity: str | None = None,
    check: str | None = None,
) -> dict[str, Any]:
    scope = c.entity if c.entity is not None else entity
    if c.entity is not None and entity not in (None, c.entity):
        return {"items": [], "next_after": None}
    found = state(c.request).store.views.issues(
        entity=scope,
        states=[state_.value] if state_ else [],
        severity=severity,
        check=check,
        after=after,
        limit=limit,
    )
    return {"items": [_issue(r) for r in found.rows], "next_after": found.next_after}


@router.get("/issues/{issue_id}", summary="One issue with its audit trail")
def issue(c: Caller, issue_id: int) -> dict[str, Any]:
    store = state(c.request).store
    found = store.views.issue(issue_id, entity=c.entity)
    if found is None:
        raise NotFound
    return {
        **_issue(found),
        "events": [
            {**asdict(e), "from_state": e.from_state, "to_state": e.to_state}
            for e in store.issues.history(issue_id)
        ],
        "audit": [asdict(a) for a in store.audit.of("issue", issue_id)],
    }


@router.get("/notices", summary="List notices")
def notices(c: Caller, limit: Limit = 50, after: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    found = state(c.request).store.views.notices(entity=c.entity, after=after, limit=limit)
    return {"items": [_notice(n) for n in found.rows], "next_after": found.next_after}


@router.get("/notices/{notice_id}", summary="One notice (JSON document), or a format with ?format=")
def notice_one(
    c: Caller,
    notice_id: int,
    format: str = "json",
    lang: str = "en",
) -> Response:
    web = state(c.request)
    head = web.store.views.notice(notice_id, entity=c.entity)
    if head is None or format not in FORMATS or lang not in ("en", "zh-CN"):
        raise NotFound
    data = render(notice(web.store, notice_id, web.inventories), format, lang)
    headers = {"X-Content-Type-Options": "nosniff"}
    if format != "json":
        headers["Content-Disposition"] = f'attachment; filename="{head.id}.{lang}.{SUFFIX[format]}"'
        headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return Response(
        data, media_type=MEDIA_TYPES.get(format, "application/octet-stream"), headers=headers
    )


class Proposal(BaseModel):
    """A proposed waiver (with ``until``) or false positive."""

    issue_id: int
    kind: str = Field(pattern="^(waiver|false_positive)$")
    reason: str = Field(min_length=1, max_length=4000)
    until: date | None = None


@router.get("/waivers", summary="Proposed and decided waivers and false positives")
def waivers(c: Caller, status: str | None = None) -> dict[str, Any]:
    rows = state(c.request).store.reviews.proposals(status=status, entity=c.entity)
    return {"items": [asdict(p) for p in rows]}


@router.post(
    "/waivers", summary="Propose a waiver or a false positive (inspector)", status_code=201
)
def waiver_propose(c: Caller, body: Proposal) -> dict[str, Any]:
    if c.entity is not None:
        raise NotFound
    pid = propose(
        state(c.request).store, c.actor(), body.issue_id, body.kind, body.reason, body.until
    )
    return {"id": pid}


class Verdict(BaseModel):
    """A lead's decision on a proposal."""

    approve: bool
    note: str = Field(default="", max_length=4000)


@router.post("/waivers/{proposal_id}/decision", summary="Approve or reject a proposal (lead)")
def waiver_decide(c: Caller, proposal_id: int, body: Verdict) -> dict[str, Any]:
    if c.entity is not None:
        raise NotFound
    return asdict(
        decide(state(c.request).store, c.actor(), proposal_id, approve=body.approve, note=body.note)
    )


@router.get("/notices/{notice_id}/replies", summary="A notice's replies and their files")
def replies(c: Caller, notice_id: int) -> dict[str, Any]:
    store = state(c.request).store
    if store.views.notice(notice_id, entity=c.entity) is None:
        raise NotFound
    return {"items": [asdict(r) for r in store.replies.of_notice(notice_id)]}


@router.post("/notices/{notice_id}/replies", summary="Reply to a notice (liaison)", status_code=201)
def reply(
    c: Caller,
    notice_id: int,
    body: Annotated[str, Form(max_length=20000)] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> dict[str, Any]:
    web = state(c.request)
    limit = web.settings.replies.file_bytes
    read = [(f.filename or "attachment", f.file.read(limit + 1)) for f in files or [] if f.filename]
    return {
        "id": post_reply(web.store, c.actor(), notice_id, body, read, limits=web.settings.replies)
    }


@router.get("/export/defectdojo", summary="Findings in DefectDojo's Generic Findings Import format")
def export_defectdojo(c: Caller, include_closed: bool = False) -> dict[str, Any]:
    if c.role not in (Role.ADMIN, Role.LEAD, Role.INSPECTOR, Role.VIEWER, Role.LIAISON):
        raise NotFound
    return defectdojo(state(c.request).store, entity=c.entity, include_closed=include_closed)
