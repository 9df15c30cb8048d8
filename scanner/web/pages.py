"""The HTML pages: login, dashboard, runs, entities, issues, notices, proposals, audit trail.

Every page reads through the store's accessors with the account's entity (a liaison's one
entity, or every entity): an object of another entity is *not found*. Every form carries the
session's CSRF token and every POST checks it. Templates are autoescaped and strict; evidence
is shown inert (control characters as escapes) in a ``<pre>`` that wraps long lines.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from reports.catalogs import LANGUAGES
from scanner.app.accounts import Role, authenticate, end_session, new_session
from scanner.app.documents import FORMATS, MEDIA_TYPES, SUFFIX, issue_for_run, notice, render
from scanner.app.replies import post_reply
from scanner.app.review import decide, propose, request_rescan
from scanner.core.errors import UserError
from scanner.core.lifecycle import ACTIVE, LEVELS, IssueState
from scanner.core.models import AttemptStatus
from scanner.core.text import inert
from scanner.web.app import state
from scanner.web.context import Ctx, NotFound, ctx

router = APIRouter(include_in_schema=False)
TEMPLATES = Path(__file__).parent / "templates"
PAGE = 50

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC") if ts else ""


def _day(ts: float | None) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d") if ts else ""


env.filters["when"] = _when
env.filters["day"] = _day
env.filters["inert"] = inert


def page(c: Ctx, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    """Render template ``name`` for the request's account and language."""
    html = env.get_template(name).render(
        _=c._,
        c=c,
        user=c.user,
        lang=c.lang,
        languages=LANGUAGES,
        path=c.request.url.path,
        **values,
    )
    return HTMLResponse(html, status_code=status)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """An error page in the request's language."""
    return page(ctx(request), "error.html", status, code=status, message=message)


# -- login ----------------------------------------------------------------------------------


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    c = ctx(request)
    if c.session is None:  # an anonymous session carries the form's CSRF token
        web = state(request)
        # Sessions nobody used for the idle time are gone for good (so login pages fetched by
        # the thousand do not pile up).
        web.store.accounts.drop_sessions_idle_since(time.time() - web.settings.idle)
        raw, csrf = new_session(web.store, None, c.source)
        c.new_cookie = (raw, csrf)
        return page(c, "login.html", csrf_token=csrf, message="")
    return page(c, "login.html", csrf_token=c.csrf, message="")


@router.post("/login")
def login(
    request: Request,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    c = ctx(request)
    c.check_csrf(csrf)
    web = state(request)
    result = authenticate(web.store, name, password, c.source, throttle=web.settings.throttle)
    if result.user is None:
        status = {"bad": 401, "locked": 429, "throttled": 429}[result.refused]
        message = (
            c._("Wrong name or password.")
            if result.refused == "bad"
            else c._("Too many failed logins: try again later.")
        )
        response = page(c, "login.html", status, csrf_token=c.csrf, message=message)
        if result.retry_after:
            response.headers["Retry-After"] = str(max(1, int(result.retry_after - time.time())))
        return response
    assert c.raw_session is not None  # check_csrf needs a session
    end_session(web.store, c.raw_session)  # rotation: the pre-login id is gone
    c.new_cookie = new_session(web.store, result.user.id, c.source)
    web.store.audit.record(
        actor=result.user.name,
        source=c.source,
        action="login",
        object_type="user",
        object_id=result.user.id,
        entity_id=result.user.entity_id,
    )
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    c = ctx(request)
    c.check_csrf(csrf)
    if c.raw_session:
        end_session(state(request).store, c.raw_session)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie("scanner_session", path="/")
    return response


# -- dashboard ------------------------------------------------------------------------------


@router.get("/")
def dashboard(request: Request) -> HTMLResponse:
    c = ctx(request)
    c.need_user()
    web = state(request)
    entity = c.entity
    figures = web.dashboard.figures(entity)
    top = sorted(
        figures.levels.items(), key=lambda kv: (-kv[1]["high"], -sum(kv[1].values()), kv[0])
    )
    trend = figures.trend
    return page(
        c,
        "dashboard.html",
        totals=figures.totals,
        levels=LEVELS,
        states=figures.states,
        overdue=figures.overdue[:20],
        overdue_total=sum(n for _, n in figures.overdue),
        trend=trend,
        trend_max=max([max(t.opened, t.closed) for t in trend] + [1]),
        top=top[:15],
        names=figures.names,
        bar_max=max([sum(v.values()) for _, v in top] + [1]),
        pending=len(web.store.reviews.proposals(status="pending", entity=entity)),
    )


# -- runs -----------------------------------------------------------------------------------


@router.get("/runs")
def runs_page(request: Request) -> HTMLResponse:
    c = ctx(request)
    if c.need_user().role == Role.LIAISON:
        raise NotFound  # runs cover every entity
    return page(c, "runs.html", runs=state(request).store.runs.recent(100))


@router.get("/runs/{run_id}")
def run_page(request: Request, run_id: int, after: int = 0) -> HTMLResponse:
    c = ctx(request)
    if c.need_user().role == Role.LIAISON:
        raise NotFound
    store = state(request).store
    try:
        run = store.runs.get(run_id)
    except UserError:
        raise NotFound from None
    problems = store.views.attempts(
        run_id,
        statuses=(AttemptStatus.ERROR.value, AttemptStatus.SKIPPED.value),
        after=after,
        limit=100,
    )
    return page(
        c,
        "run.html",
        run=run,
        attempts=problems.rows,
        next_after=problems.next_after,
        refusals=store.attempts.refusals(run_id)[:200],
    )


# -- entities -------------------------------------------------------------------------------


@router.get("/entities")
def entities_page(request: Request) -> HTMLResponse:
    c = ctx(request)
    c.need_user()
    web = state(request)
    figures = web.dashboard.figures(c.entity)
    known = set(figures.names) if c.entity is None else set()  # a liaison: their entity only
    ids = sorted(set(figures.entities) | known)
    rows = [(i, figures.names.get(i, i), figures.levels.get(i, {})) for i in ids]
    return page(c, "entities.html", rows=rows, levels=LEVELS)


@router.get("/entities/{entity_id}")
def entity_page(request: Request, entity_id: str) -> HTMLResponse:
    c = ctx(request)
    c.need_user()
    if c.entity is not None and entity_id != c.entity:
        raise NotFound
    web = state(request)
    store = web.store
    inv = web.inventories.latest()
    entity = next((e for e in inv.model.entities if e.id == entity_id), None) if inv else None
    issues = store.views.issues(entity=entity_id, states=[s.value for s in ACTIVE], limit=PAGE)
    notices = store.views.notices(entity=entity_id, limit=200).rows
    if entity is None and not issues.rows and not notices:
        raise NotFound
    return page(
        c,
        "entity.html",
        entity_id=entity_id,
        entity=entity,
        issues=issues.rows,
        more=issues.next_after is not None,
        notices=notices,
        trend=store.views.trend(entity=entity_id),
        states=store.views.state_counts(entity=entity_id),
        audit=store.audit.recent(entity=entity_id, limit=50),
    )


# -- issues ---------------------------------------------------------------------------------


@router.get("/issues")
def issues_page(
    request: Request,
    entity: str = "",
    severity: str = "",
    after: int = 0,
) -> HTMLResponse:
    c = ctx(request)
    c.need_user()
    chosen = request.query_params.get("state", "")
    states = [chosen] if chosen in {s.value for s in IssueState} else []
    scope = c.entity if c.entity is not None else (entity or None)
    found = state(request).store.views.issues(
        entity=scope, states=states, severity=severity or None, after=max(after, 0), limit=PAGE
    )
    query = {"state": chosen, "entity": entity, "severity": severity}
    base = "&".join(f"{k}={quote(v)}" for k, v in query.items() if v)
    return page(
        c,
        "issues.html",
        issues=found.rows,
        next_after=found.next_after,
        query=query,
        base=base,
        states=[s.value for s in IssueState],
    )


@router.get("/issues/{issue_id}")
def issue_page(request: Request, issue_id: int) -> HTMLResponse:
    c = ctx(request)
    c.need_user()
    web = state(request)
    store = web.store
    issue = store.views.issue(issue_id, entity=c.entity)
    if issue is None:
        raise NotFound
    try:
        risk = web.inventories.risk(issue)
    except UserError:
        risk = None
    return page(
        c,
        "issue.html",
        issue=issue,
        risk=risk,
        events=store.issues.history(issue_id),
        audit=store.audit.of("issue", issue_id),
        proposals=store.reviews.proposals(issue_id=issue_id),
        notices=store.views.notices_of_issue(issue_id),
        active=issue.state in ACTIVE,
    )


@router.post("/issues/{issue_id}/propose")
def propose_form(
    request: Request,
    issue_id: int,
    kind: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=4000)],
    until: Annotated[str, Form(max_length=20)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    c = ctx(request)
    c.check_csrf(csrf)
    c.need_user()
    day = _date(until) if until else None
    propose(state(request).store, c.actor(), issue_id, kind, reason, day, entity=c.entity)
    return RedirectResponse(f"/issues/{issue_id}", status_code=303)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{value!r} is not a date (YYYY-MM-DD).") from None


# -- proposals ------------------------------------------------------------------------------


@router.get("/proposals")
def proposals_page(request: Request) -> HTMLResponse:
    c = ctx(request)
    c.need_user()
    store = state(request).store
    return page(
        c,
        "proposals.html",
        pending=store.reviews.proposals(status="pending", entity=c.entity),
        decided=[p for p in store.reviews.proposals(entity=c.entity) if p.status != "pending"][
            :100
        ],
    )


@router.post("/proposals/{proposal_id}/{verdict}")
def decide_form(
    request: Request,
    proposal_id: int,
    verdict: str,
    note: Annotated[str, Form(max_length=4000)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    c = ctx(request)
    c.check_csrf(csrf)
    c.need_user()
    if verdict not in ("approve", "reject"):
        raise NotFound
    found = state(request).store.reviews.proposal(proposal_id)
    if found is None or (c.entity is not None and found.entity_id != c.entity):
        raise NotFound
    decide(state(request).store, c.actor(), proposal_id, approve=verdict == "approve", note=note)
    return RedirectResponse("/proposals", status_code=303)


# -- notices --------------------------------------------------------------------------------


@router.get("/notices")
def notices_page(request: Request, after: int = 0) -> HTMLResponse:
    c = ctx(request)
    c.need_user()
    found = state(request).store.views.notices(entity=c.entity, after=max(after, 0), limit=PAGE)
    return page(c, "notices.html", notices=found.rows, next_after=found.next_after)


@router.get("/notices/{notice_id}")
def notice_page(request: Request, notice_id: int) -> HTMLResponse:
    c = ctx(request)
    c.need_user()
    web = state(request)
    head = web.store.views.notice(notice_id, entity=c.entity)
    if head is None:
        raise NotFound
    document = notice(web.store, notice_id, web.inventories)
    return page(
        c,
        "notice.html",
        head=head,
        notice=document,
        formats=FORMATS,
        replies=web.store.replies.of_notice(notice_id),
        requests=web.store.reviews.requests(notice_id=notice_id, limit=10),
        can_reply=c.role in (Role.LIAISON, Role.LEAD, Role.ADMIN),
        limits=web.settings.replies,
    )


@router.get("/notices/{notice_id}/download")
def notice_download(
    request: Request, notice_id: int, fmt: str = "pdf", doc_lang: str = ""
) -> Response:
    c = ctx(request)
    c.need_user()
    web = state(request)
    head = web.store.views.notice(notice_id, entity=c.entity)
    if head is None or fmt not in FORMATS:
        raise NotFound
    lang = doc_lang if doc_lang in LANGUAGES else c.lang
    data = render(notice(web.store, notice_id, web.inventories), fmt, lang)
    return download(
        data,
        f"{head.number}.{lang}.{SUFFIX[fmt]}",
        MEDIA_TYPES.get(fmt, "application/octet-stream"),
    )


def download(data: bytes, filename: str, media_type: str) -> Response:
    """A file served to be saved, never displayed in the page's origin as a document."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in filename)
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{safe}\"; filename*=UTF-8''{quote(filename)}"
            ),
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/notices/{notice_id}/rescan")
def rescan_form(
    request: Request, notice_id: int, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    c = ctx(request)
    c.check_csrf(csrf)
    if c.need_user().role == Role.LIAISON:
        raise NotFound
    request_rescan(state(request).store, c.actor(), notice_id)
    return RedirectResponse(f"/notices/{notice_id}", status_code=303)


@router.post("/runs/{run_id}/notices")
def issue_form(
    request: Request, run_id: int, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    c = ctx(request)
    c.check_csrf(csrf)
    if not c.can_approve():
        raise NotFound if c.role == Role.LIAISON else PermissionError()
    store = state(request).store
    issued = issue_for_run(store, run_id)
    store.audit.record(
        actor=c.need_user().name,
        source=c.source,
        action="notices.issued",
        object_type="run",
        object_id=run_id,
        detail=", ".join(n.number for n in issued),
    )
    return RedirectResponse("/notices", status_code=303)


@router.post("/notices/{notice_id}/replies")
def reply_form(
    request: Request,
    notice_id: int,
    body: Annotated[str, Form(max_length=20000)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    c = ctx(request)
    c.check_csrf(csrf)
    c.need_user()
    limit = state(request).settings.replies.file_bytes
    read = [(f.filename or "attachment", f.file.read(limit + 1)) for f in files or [] if f.filename]
    post_reply(
        state(request).store,
        c.actor(),
        notice_id,
        body,
        read,
        limits=state(request).settings.replies,
    )
    return RedirectResponse(f"/notices/{notice_id}", status_code=303)


@router.get("/attachments/{attachment_id}")
def attachment(request: Request, attachment_id: int) -> Response:
    c = ctx(request)
    c.need_user()
    found = state(request).store.replies.attachment(attachment_id)
    if found is None or (c.entity is not None and found[0].entity_id != c.entity):
        raise NotFound
    info, _notice_id, data = found
    return download(data, info.filename, "application/octet-stream")


# -- audit trail ----------------------------------------------------------------------------


@router.get("/audit")
def audit_page(request: Request) -> HTMLResponse:
    c = ctx(request)
    if c.need_user().role not in (Role.ADMIN, Role.LEAD):
        raise NotFound
    return page(c, "audit.html", rows=state(request).store.audit.recent(limit=300))


@router.get("/api/docs")
def api_docs(request: Request) -> HTMLResponse:
    c = ctx(request)
    schema = request.app.openapi()
    routes = [
        (method.upper(), path, op.get("summary", ""), op.get("description", ""))
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    ]
    return page(c, "api_docs.html", routes=routes)
