"""The web application: FastAPI with its middleware (sessions, security headers, a request
body limit) and error pages, over one store.

Sessions are server-side rows (:mod:`scanner.store.accounts`); the cookie carries the session's
random id signed with the store's key (itsdangerous), HttpOnly, SameSite=Lax, Secure under
HTTPS. Logging in always starts a new session (the anonymous one that carried the login form's
CSRF token is ended), so a session id planted before login is worth nothing after it. Sessions
end after ``idle`` seconds without a request and ``absolute`` seconds after login.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from itsdangerous import BadSignature, Signer
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reports.catalogs import LANGUAGES
from scanner.app.accounts import Throttle, open_session
from scanner.app.dashboard import Dashboard
from scanner.app.documents import InventoryCache
from scanner.app.replies import ReplyLimits
from scanner.core.errors import UserError
from scanner.store import Store
from scanner.web.context import BadCsrf, Ctx, Forbidden, NeedLogin, NotFound, language

COOKIE = "scanner_session"
STATIC = Path(__file__).parent / "static"

#: No inline script or style anywhere: pages use /static/ files only.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


@dataclass(frozen=True)
class WebSettings:
    """How the application behaves.

    Attributes:
        idle: seconds without a request after which a session ends.
        absolute: seconds after login after which a session ends.
        https: cookies Secure and HSTS even when the request arrives as http (behind a TLS
            proxy); a request that arrives over https gets both anyway.
        throttle: login throttling and lockout.
        replies: limits of a reply and its files.
        max_body: largest request body accepted, in bytes.
    """

    idle: float = 1800.0
    absolute: float = 12 * 3600.0
    https: bool = False
    throttle: Throttle = field(default_factory=Throttle)
    replies: ReplyLimits = field(default_factory=ReplyLimits)
    max_body: int = 32 * 1024 * 1024


@dataclass
class WebState:
    """What every request shares: the store, the settings, the signer, parsed inventories, the
    dashboard's cached figures."""

    store: Store
    settings: WebSettings
    signer: Signer
    inventories: InventoryCache
    dashboard: Dashboard


def state(request: Request) -> WebState:
    """The application's shared state."""
    found: WebState = request.app.state.web
    return found


def create_app(store: Store, settings: WebSettings | None = None) -> FastAPI:
    """The web application over ``store``."""
    settings = settings or WebSettings()
    key = store.accounts.secret("cookie_key", lambda: secrets.token_hex(32))
    app = FastAPI(
        title="Inspection scanner API",
        version="1",
        docs_url=None,  # Swagger UI needs inline script and a CDN: /api/docs is our own page
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    inventories = InventoryCache(store)
    app.state.web = WebState(
        store, settings, Signer(key, salt="session"), inventories, Dashboard(store, inventories)
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    from scanner.web import api, pages  # noqa: PLC0415 - routes import this module's helpers

    app.include_router(pages.router)
    app.include_router(api.router)
    _errors(app)

    @app.middleware("http")
    async def sessions(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        if length and (not length.isdigit() or int(length) > settings.max_body):
            return _secure(JSONResponse({"detail": "request too large"}, 413), request, settings)
        if request.method not in ("GET", "HEAD", "OPTIONS") and not _same_origin(request):
            # Defence in depth beside the CSRF token: a browser names the page that posted.
            return _secure(JSONResponse({"detail": "cross-origin request"}, 403), request, settings)
        web: WebState = app.state.web
        raw = _unsign(web.signer, request.cookies.get(COOKIE, ""))
        session = (
            await run_in_threadpool(
                open_session, store, raw, idle=settings.idle, absolute=settings.absolute
            )
            if raw
            else None
        )
        source = request.client.host if request.client else "unknown"
        request.state.ctx = Ctx(
            request, session, raw if session else None, language(request), source
        )
        response = await call_next(request)
        found: Ctx = request.state.ctx
        https = settings.https or request.url.scheme == "https"
        if found.new_cookie is not None:
            response.set_cookie(
                COOKIE,
                web.signer.sign(found.new_cookie[0]).decode(),
                httponly=True,
                secure=https,
                samesite="lax",
                path="/",
            )
        elif raw and session is None:
            response.delete_cookie(COOKIE, path="/")  # expired or ended: forget it
        chosen = request.query_params.get("lang")
        if chosen in LANGUAGES:
            response.set_cookie("lang", chosen, httponly=True, secure=https, samesite="lax")
        return _secure(response, request, settings)

    app.add_middleware(BodyLimit, limit=settings.max_body)
    return app


class BodyLimit:
    """Read a request's body before the application does, and answer 413 past ``limit`` bytes:
    a chunked upload without Content-Length is bounded too (the body is then replayed to the
    application from memory, so at most ``limit`` bytes per request are held)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away: let the application see it
            chunks.append(message.get("body", b""))
            seen += len(chunks[-1])
            if seen > self.limit:
                response = JSONResponse({"detail": "request too large"}, 413)
                response.headers["Connection"] = "close"
                response.headers["X-Content-Type-Options"] = "nosniff"
                response.headers["Content-Security-Policy"] = CSP
                await response(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another origin (no Origin header,
    as from API clients, passes: those carry a bearer token or a CSRF token)."""
    origin = request.headers.get("origin")
    if origin is None or (origin == "null" and request.url.path.startswith("/api/")):
        return True
    host = request.headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


def _unsign(signer: Signer, value: str) -> str:
    if not value or len(value) > 200:
        return ""
    try:
        return signer.unsign(value).decode()
    except (BadSignature, UnicodeDecodeError):
        return ""


def _secure(response: Response, request: Request, settings: WebSettings) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    # same-origin, not no-referrer: under no-referrer browsers send "Origin: null" on our own
    # forms, and the origin check would refuse them.
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers.setdefault("Cache-Control", "no-store")
    if settings.https or request.url.scheme == "https":
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def _api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _errors(app: FastAPI) -> None:
    from scanner.web.pages import error_page  # noqa: PLC0415 - pages import this module

    def handler(status: int, message: str) -> Callable[[Request, Exception], Response]:
        def handle(request: Request, exc: Exception) -> Response:
            if isinstance(exc, NeedLogin) and not _api(request):
                return RedirectResponse("/login", status_code=303)
            text = str(exc) if isinstance(exc, UserError) else message
            if _api(request):
                headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
                return JSONResponse({"detail": text}, status, headers=headers)
            return error_page(request, status, text)

        return handle

    app.add_exception_handler(NotFound, handler(404, "Not found"))
    app.add_exception_handler(LookupError, handler(404, "Not found"))
    app.add_exception_handler(Forbidden, handler(403, "Forbidden"))
    app.add_exception_handler(PermissionError, handler(403, "Forbidden"))
    app.add_exception_handler(BadCsrf, handler(403, "The form has expired or is not ours (CSRF)"))
    app.add_exception_handler(NeedLogin, handler(401, "Log in first"))
    app.add_exception_handler(UserError, handler(400, "Bad request"))
