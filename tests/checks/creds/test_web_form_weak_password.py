"""cred.web-form-weak-password against a real web application started here on 127.77.2.0/24:
a login form with a CSRF token bound to a session cookie, one weak account (found, its
password masked everywhere), a hardened one (strong password, lockout after 5 failures: the
server's own count shows at most 3 logins per account), a strict lockout (the check stops at
the lock page), a site that "accepts" every password (no false finding), and hostile pages
(a huge body, no form, a form without a password field, a GET form, an off-site action)."""

from __future__ import annotations

import contextlib
import html
import http.server
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import pytest

from checks.creds._webform import find_form
from checks.creds.web_form_weak_password import WebFormWeakPassword
from checks.protocols.htmlform import read_page
from scanner.core.models import AttemptStatus, ErrorReason, Refusal, Severity
from scanner.engine.context import RunServices
from scanner.engine.credentials import CredentialPolicy
from scanner.scope.guard import ScopeGuard
from scanner.transport.ratelimit import TokenBucket
from tests.checks.creds import per_account
from tests.helpers import run_check, url_target
from tests.hostile_http import handler_server

WEAK_ADDR, HARDENED_ADDR, STRICT_ADDR, LAX_ADDR, HOSTILE_ADDR = (
    "127.77.2.10",
    "127.77.2.11",
    "127.77.2.12",
    "127.77.2.13",
    "127.77.2.14",
)
STRONG = secrets.token_urlsafe(18)
LOGIN_PAGE = """<!doctype html><html><head><title>Device admin</title></head><body>
<h1>Sign in</h1>{error}
<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="{token}">
<label>User <input type="text" name="username"></label>
<label>Password <input type="password" name="password"></label>
<input type="checkbox" name="remember"> <button type="submit" name="go" value="1">Log in</button>
</form></body></html>"""


@dataclass
class App:
    """The web application's state: accounts, sessions, and what it saw."""

    accounts: dict[str, str]
    lock_after: int | None = None
    lax: bool = False  # "accepts" everything: every post lands on the same page
    hidden: bool = False  # the login page is at /portal/login, linked from nowhere
    sessions: dict[str, dict[str, object]] = field(default_factory=dict)
    posts: Counter[str] = field(default_factory=Counter)  # logins per account
    failures: Counter[str] = field(default_factory=Counter)
    bad_csrf: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(app: App) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def _session(self) -> tuple[str, dict[str, object], bool]:
            cookies = dict(
                part.strip().split("=", 1)
                for part in (self.headers.get("Cookie") or "").split(";")
                if "=" in part
            )
            sid = cookies.get("sid", "")
            with app.lock:
                if sid in app.sessions:
                    return sid, app.sessions[sid], False
                sid = secrets.token_hex(16)
                app.sessions[sid] = {"csrf": secrets.token_hex(16), "user": None}
                return sid, app.sessions[sid], True

        def _send(self, status: int, body: str, *headers: tuple[str, str]) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _login_page(self, session: dict[str, object], error: str, *cookie: str) -> None:
            text = f'<p class="error">{html.escape(error)}</p>' if error else ""
            page = LOGIN_PAGE.format(error=text, token=session["csrf"])
            self._send(200, page, *(("Set-Cookie", c) for c in cookie))

        def do_GET(self) -> None:
            sid, session, new = self._session()
            cookie = [f"sid={sid}; Path=/; HttpOnly"] if new else []
            path = self.path.removeprefix("/portal") if app.hidden else self.path
            if app.hidden and path == "/":
                self._send(200, "<html><p>Nothing here</p></html>")
            elif path == "/home":
                self._send(200, "<html><p>Welcome</p></html>")
            elif path == "/admin":
                if session["user"]:
                    self._send(200, f"<html><p>Welcome {session['user']}</p><a>Log out</a></html>")
                else:
                    self._send(302, "", ("Location", "/login"))
            elif path == "/login":
                self._login_page(session, "", *cookie)
            else:
                self._send(302, "", ("Location", "/login"), *(("Set-Cookie", c) for c in cookie))

        def do_POST(self) -> None:
            _sid, session, _ = self._session()
            length = min(int(self.headers.get("Content-Length") or 0), 65536)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if form.get("csrf_token") != session["csrf"]:
                with app.lock:
                    app.bad_csrf += 1
                self._send(403, "<html>CSRF check failed</html>")
                return
            user, password = form.get("username", ""), form.get("password", "")
            with app.lock:
                app.posts[user] += 1
                locked = app.lock_after is not None and app.failures[user] >= app.lock_after
                ok = not locked and app.accounts.get(user) == password
                if not ok and not locked:
                    app.failures[user] += 1
            if app.lax:
                self._send(302, "", ("Location", "/home"))
            elif locked:
                self._send(200, "<html><p>Account locked: too many failed logins.</p></html>")
            elif ok:
                new_sid = secrets.token_hex(16)
                with app.lock:
                    app.sessions[new_sid] = {"csrf": secrets.token_hex(16), "user": user}
                self._send(302, "", ("Location", "/admin"), ("Set-Cookie", f"sid={new_sid}"))
            else:
                self._login_page(session, "Invalid user name or password.")

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def services(**policy: object) -> RunServices:
    """Credential tests on, pause short, scope: this test's range only."""
    return RunServices(
        guard=ScopeGuard(["127.77.2.0/24"]),
        bucket=TokenBucket(1000),
        credential_tests=CredentialPolicy(enabled=True, pause=0.02, **policy),  # type: ignore[arg-type]
    )


def test_weak_login_found_with_its_password_masked() -> None:
    app = App({"admin": STRONG, "tomcat": "s3cret"})
    with handler_server(_handler(app), WEAK_ADDR) as base:
        attempt = run_check(WebFormWeakPassword, url_target(base, WEAK_ADDR), services=services())
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert (finding.location, finding.severity) == (f"{base} account tomcat", Severity.HIGH)
    assert finding.evidence == (
        "web form login accepted for account 'tomcat': its password is on the weak and default "
        "password list (s***** (6 characters)); 6 logins tried by this check "
        f"({base}login: the login form did not come back; the message a wrong password got was "
        "absent ('Invalid user name or password.'); it went on to /admin; it set cookie 'sid')"
    )
    assert finding.detail["password_masked"] == "s***** (6 characters)"
    assert finding.detail["action"] == f"{base}login"
    # a wrong password first (the baseline), then the list, 3 logins per account at most
    assert app.posts == Counter({"admin": 3, "root": 1, "tomcat": 2}) and app.bad_csrf == 0
    assert per_account(attempt.credential_tries) == app.posts
    assert {t.service for t in attempt.credential_tries} == {"http-form"}
    # the password is nowhere: evidence, detail, reason, nor the kept exchanges
    kept = b"".join(e.sent + e.received for e in attempt.exchanges)
    assert b"POST /login" in kept and b"csrf_token=" in kept and b"username=" in kept
    assert b"s3cret" not in kept
    assert "s3cret" not in f"{finding.evidence} {finding.detail} {attempt.reason}"


def test_a_campaign_list_and_the_paths_setting_are_used() -> None:
    app = App({"operator": "Spring2026!"}, hidden=True)
    run = services(builtin=False, entries=(("operator", "Spring2026!"), ("", "Summer2026!")))
    run.settings = {WebFormWeakPassword.id: {"paths": ["/portal/login"]}}
    with handler_server(_handler(app), WEAK_ADDR) as base:
        attempt = run_check(WebFormWeakPassword, url_target(base, WEAK_ADDR), services=run)
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.location == f"{base} account operator"
    assert finding.detail["password_masked"] == "S********** (11 characters)"
    # the lists only (builtin: false): the baseline goes to the first account of the list
    assert per_account(attempt.credential_tries) == Counter({"operator": 2})
    assert "Spring2026" not in str([e.sent for e in attempt.exchanges])


def test_hardened_login_passes_within_the_limits() -> None:
    app = App({"admin": STRONG, "administrator": STRONG}, lock_after=5)
    with handler_server(_handler(app), HARDENED_ADDR) as base:
        attempt = run_check(
            WebFormWeakPassword, url_target(base, HARDENED_ADDR), services=services()
        )
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert app.bad_csrf == 0
    assert app.posts and max(app.posts.values()) <= 3  # the server's own count, per account
    assert not [a for a, n in app.failures.items() if n >= 5]  # nobody locked out
    assert per_account(attempt.credential_tries) == app.posts
    assert set(app.posts) >= {"admin", "root", "tomcat", "administrator"}


def test_a_lock_page_stops_the_check() -> None:
    app = App({"admin": STRONG}, lock_after=2)
    with handler_server(_handler(app), STRICT_ADDR) as base:
        attempt = run_check(WebFormWeakPassword, url_target(base, STRICT_ADDR), services=services())
    assert attempt.status == AttemptStatus.ERROR and not attempt.findings
    assert "logins are limited ('locked'" in attempt.reason
    assert app.posts == Counter({"admin": 3})  # baseline, admin/admin, then the lock page: stop


def test_a_site_that_takes_any_password_is_not_a_finding() -> None:
    app = App({}, lax=True)
    with handler_server(_handler(app), LAX_ADDR) as base:
        attempt = run_check(WebFormWeakPassword, url_target(base, LAX_ADDR), services=services())
    assert not attempt.findings, attempt.findings
    assert max(app.posts.values()) <= 3


def test_an_accepted_login_redirecting_off_site_is_never_followed() -> None:
    refusals: list[Refusal] = []

    class Away(_handler(App({"admin": "admin"}))):  # type: ignore[misc]
        def send_header(self, keyword: str, value: str) -> None:
            if keyword == "Location" and value == "/admin":
                value = "http://127.0.10.99/portal"  # out of this run's scope
            super().send_header(keyword, value)

    run = services()
    run.guard = ScopeGuard(["127.77.2.0/24"], on_refusal=refusals.append)
    with handler_server(Away, HOSTILE_ADDR) as base:
        attempt = run_check(WebFormWeakPassword, url_target(base, HOSTILE_ADDR), services=run)
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    assert "it went on to http://127.0.10.99/portal" in attempt.findings[0].evidence
    assert refusals == []  # never even asked for: off-site redirects are not followed
    assert all("127.0.10.99" not in e.destination for e in attempt.exchanges)


HOSTILE = {
    "/huge": "<html><body>" + "A" * (8 << 20),
    "/none": "<html><body><p>Hello</p><form><input name=q></form></body></html>",
    "/nopass": '<form method=post><input name="user"><input name="pin" type="text"></form>',
    "/get": "<form><input name=user><input type=password name=pw></form>",
    "/away": (
        '<form method=post action="http://127.0.0.1/login"><input name=user>'
        "<input type=password name=pw></form>"
    ),
    "/junk": "<form method=post <input type=password name=pw \x00\x1b[2J<<<>>></form" * 5000,
}


class Hostile(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        data = HOSTILE.get(self.path, "").encode("utf-8", "replace")
        self.send_response(302 if self.command == "POST" else 200)
        if self.command == "POST":  # a login answered with a Location that does not parse
            self.send_header("Location", "http://[::1:bad/")
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(data)

    do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("huge", "no form with a password field"),
        ("none", "no form with a password field"),
        ("nopass", "no form with a password field"),
        ("get", "sends the password in the URL"),
        ("away", "posts to another site"),
        ("junk", ""),
    ],
)
def test_hostile_pages_end_cleanly_without_a_login(path: str, why: str) -> None:
    with handler_server(Hostile, HOSTILE_ADDR) as base:
        attempt = run_check(
            WebFormWeakPassword,
            url_target(base + path, HOSTILE_ADDR),
            services=services(),
            timeout=5.0,
        )
    assert attempt.status == AttemptStatus.NOT_APPLICABLE, attempt.reason
    assert why in attempt.reason and attempt.credential_tries == ()
    assert "\x1b" not in attempt.reason


def test_a_login_answer_with_a_broken_location_is_inconclusive_not_a_bug() -> None:
    HOSTILE["/form"] = "<form method=post><input name=user><input type=password name=pw></form>"
    with handler_server(Hostile, HOSTILE_ADDR) as base:
        attempt = run_check(
            WebFormWeakPassword, url_target(base + "form", HOSTILE_ADDR), services=services()
        )
    assert attempt.status == AttemptStatus.ERROR and not attempt.findings
    assert attempt.error_reason == ErrorReason.INCONCLUSIVE, attempt.reason
    assert "a Location header that is not a URL" in attempt.reason
    assert len(attempt.credential_tries) == 1  # the baseline only


def test_find_form_takes_the_user_field_hidden_fields_and_the_action() -> None:
    page = read_page(
        '<base href="/app/"><form method="POST" action="do_login?x=1#top">'
        '<input name="q"><input type="email" name="j_username"><input name="nick">'
        '<input type="password" name="j_password"><input type="hidden" name="t" value="1">'
        "</form>"
    )
    form = find_form(page, "http://127.77.2.1:8080/start")
    assert not isinstance(form, str)
    assert (form.action, form.user, form.password) == (
        "http://127.77.2.1:8080/app/do_login?x=1",
        "j_username",
        "j_password",
    )
    signup = read_page(
        "<form method=post><input name=user><input type=password name=a>"
        "<input type=password name=b></form>"
    )
    assert find_form(signup, "http://127.77.2.1/") == "no form with a password field"
