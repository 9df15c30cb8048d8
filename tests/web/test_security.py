"""Security of the web application, against the served application on 127.0.0.1: a liaison
sees only their entity (404 otherwise, pages and API), CSRF, session fixation and rotation,
idle timeout, hostile evidence inert, security headers, login throttling and lockout."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
import requests

from scanner.app.accounts import Throttle, create_token
from scanner.store import Store
from scanner.web.app import WebSettings
from tests.web.client import Browser, logged_in
from tests.web.site import HOSTILE_LOCATION, PASSWORD, Served, seed, serving


def _api(served: Served, name: str) -> requests.Session:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {create_token(served.store, name)}"
    return http


def test_a_liaison_gets_404_for_another_entitys_objects(served: Served) -> None:
    ids = served.ids
    liaison = logged_in(served.url, "liaison")
    mine = [f"/issues/{ids['issue_ent']}", f"/notices/{ids['notice_ent']}", "/entities/ent"]
    theirs = [
        f"/issues/{ids['issue_other']}",
        f"/notices/{ids['notice_other']}",
        f"/notices/{ids['notice_other']}/download?fmt=pdf",
        "/entities/other",
        "/runs",
        f"/runs/{ids['run1']}",
        "/audit",
    ]
    for path in mine:
        assert liaison.get(path).status_code == 200, path
    for path in theirs:
        assert liaison.get(path).status_code == 404, path
    listing = liaison.get("/issues").text
    assert "other/gw" not in listing and "ent/web" in listing
    # The API answers the same.
    api = _api(served, "liaison")
    base = served.url + "/api/v1"
    assert api.get(f"{base}/issues/{ids['issue_other']}", timeout=30).status_code == 404
    assert api.get(f"{base}/notices/{ids['notice_other']}", timeout=30).status_code == 404
    assert api.get(f"{base}/notices/{ids['notice_other']}/replies", timeout=30).status_code == 404
    assert api.get(f"{base}/runs", timeout=30).status_code == 404
    assert api.get(f"{base}/issues/{ids['issue_ent']}", timeout=30).status_code == 200
    items = api.get(f"{base}/issues?limit=100", timeout=30).json()["items"]
    assert items and {i["entity_id"] for i in items} == {"ent"}
    other = api.get(f"{base}/issues?entity=other", timeout=30).json()["items"]
    assert other == []
    export = api.get(f"{base}/export/defectdojo", timeout=30).json()["findings"]
    assert export and all(f["component_name"].startswith("ent/") for f in export)


def test_a_liaison_gets_404_for_another_entitys_attachment(served: Served) -> None:
    ids = served.ids
    other = logged_in(served.url, "liaison2")
    token = other.csrf(f"/notices/{ids['notice_other']}")
    posted = other.post(
        f"/notices/{ids['notice_other']}/replies",
        data={"body": "see attached", "csrf": token},
        files={"files": ("plan.html", b"<script>alert(1)</script>", "text/html")},
    )
    assert posted.status_code == 303, posted.text
    page = other.get(f"/notices/{ids['notice_other']}").text
    attachment = int(re.search(r'href="/attachments/(\d+)"', page).group(1))  # type: ignore[union-attr]
    served_file = other.get(f"/attachments/{attachment}")
    assert served_file.status_code == 200
    assert served_file.headers["content-type"] == "application/octet-stream"
    assert served_file.headers["content-disposition"].startswith("attachment;")
    assert served_file.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served_file.headers["content-security-policy"]
    liaison = logged_in(served.url, "liaison")
    assert liaison.get(f"/attachments/{attachment}").status_code == 404
    # Nor may a liaison reply to another entity's notice.
    token = liaison.csrf(f"/notices/{ids['notice_ent']}")
    assert (
        liaison.post(f"/notices/{ids['notice_other']}/replies", data={"body": "x", "csrf": token})
    ).status_code == 404


def test_forms_without_a_valid_csrf_token_fail(served: Served) -> None:
    inspector = logged_in(served.url, "inspector")
    issue = served.ids["issue_ent"]
    form = {"kind": "false_positive", "reason": "no"}
    assert inspector.post(f"/issues/{issue}/propose", data=form).status_code == 403
    bad = {**form, "csrf": "not-the-token"}
    assert inspector.post(f"/issues/{issue}/propose", data=bad).status_code == 403
    # Another session's token is not this session's.
    lead = logged_in(served.url, "lead")
    theirs = {**form, "csrf": lead.csrf("/")}
    assert inspector.post(f"/issues/{issue}/propose", data=theirs).status_code == 403
    assert served.store.reviews.proposals(issue_id=issue) == []
    # The login form too.
    anonymous = Browser(served.url)
    anonymous.get("/login")
    response = anonymous.post("/login", data={"name": "admin", "password": PASSWORD})
    assert response.status_code == 403


def _cookie(browser: Browser) -> str:
    return next(c.value for c in browser.http.cookies if c.name == "scanner_session") or ""


def _with_cookie(url: str, path: str, value: str) -> int:
    headers = {"Cookie": f"scanner_session={value}"}
    return requests.get(url + path, headers=headers, timeout=30, allow_redirects=False).status_code


def test_session_fixation_fails_and_logout_ends_the_session(served: Served) -> None:
    attacker = Browser(served.url)
    attacker.get("/login")
    planted = _cookie(attacker)
    victim = Browser(served.url)
    victim.http.cookies = attacker.http.cookies.copy()  # the attacker's id, planted
    assert victim.login("viewer").status_code == 303
    assert _cookie(victim) != planted  # rotated at login
    assert _with_cookie(served.url, "/", planted) == 303  # the planted id is not logged in
    assert victim.get("/").status_code == 200
    token = victim.csrf("/")
    old = _cookie(victim)
    assert _with_cookie(served.url, "/", old) == 200
    assert victim.post("/logout", data={"csrf": token}).status_code == 303
    assert _with_cookie(served.url, "/", old) == 303  # ended on the server, not only forgotten
    assert _with_cookie(served.url, "/", "x" * 43 + ".forged") == 303


def test_hostile_evidence_is_inert_on_every_page(served: Served) -> None:
    ids = served.ids
    admin = logged_in(served.url, "admin")
    pages = [
        "/",
        "/issues",
        f"/issues/{ids['issue_hostile']}",
        f"/notices/{ids['notice_ent']}",
        "/entities/ent",
        f"/runs/{ids['run2']}",
        "/audit",
    ]
    for path in pages:
        html = admin.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "<svg onload" not in html and "\x1b" not in html and "\x00" not in html, path
        assert "\u202e" not in html and "<b>bold</b>" not in html, path
    issue = admin.get(f"/issues/{ids['issue_hostile']}").text
    assert "&lt;script&gt;alert" in issue and "\\x1b[31m" in issue
    assert "&lt;svg onload=alert(2)&gt;" in issue
    api = admin.get(f"/api/v1/issues/{ids['issue_hostile']}").json()
    assert api["location"] == HOSTILE_LOCATION  # data stays data in JSON


def test_security_headers(served: Served) -> None:
    response = Browser(served.url).get("/login")
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in response.headers  # plain http here
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    html = response.text
    assert "<script" not in html and "style=" not in html and "<style" not in html


def test_https_settings_send_hsts_and_secure_cookies(tmp_path: object) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/https.db")
    with serving(store, WebSettings(https=True)) as url:
        response = Browser(url).get("/login")
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert "secure" in response.headers["set-cookie"].lower()


def test_brute_force_logins_are_throttled_then_locked(tmp_path: object) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/brute.db")
    seed(store)
    with serving(store, WebSettings(throttle=Throttle(per_name=3, per_source=8))) as url:
        browser = Browser(url)
        codes = [browser.login("admin", "wrong password!").status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        # Locked: even the right password is refused until the lockout ends.
        locked = browser.login("admin")
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
        # Other names from the same address: throttled once the address's budget is spent.
        more = [browser.login(f"guess{n}", "wrong password!").status_code for n in range(5)]
        assert more == [401] * 5  # 3 + 5 failures from this address: its budget of 8 is spent
        assert browser.login("lead").status_code == 429


def test_idle_sessions_end(tmp_path: object) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/idle.db")
    seed(store)
    with serving(store, WebSettings(idle=1.0)) as url:
        browser = logged_in(url, "viewer")
        assert browser.get("/").status_code == 200
        time.sleep(1.6)
        assert browser.get("/").status_code == 303  # back to /login


@pytest.mark.parametrize("role", ["viewer", "liaison"])
def test_roles_that_may_not_propose_or_approve(served: Served, role: str) -> None:
    user = logged_in(served.url, role)
    issue = served.ids["issue_ent"]
    token = user.csrf("/")
    form = {"kind": "false_positive", "reason": "no", "csrf": token}
    assert user.post(f"/issues/{issue}/propose", data=form).status_code == 403


def test_a_cross_origin_post_is_refused_even_with_the_token(served: Served) -> None:
    inspector = logged_in(served.url, "inspector")
    issue = served.ids["issue_ent"]
    form = {"kind": "false_positive", "reason": "no", "csrf": inspector.csrf("/")}
    evil = {"Origin": "http://198.51.100.7"}
    response = inspector.post(f"/issues/{issue}/propose", data=form, headers=evil)
    assert response.status_code == 403
    same = {"Origin": served.url}
    assert inspector.post(f"/issues/{issue}/propose", data=form, headers=same).status_code == 303


def test_request_bodies_are_bounded_even_when_chunked(tmp_path: object) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/big.db")
    ids = seed(store)
    with serving(store, WebSettings(max_body=64 * 1024)) as url:
        liaison = logged_in(url, "liaison")
        token = liaison.csrf(f"/notices/{ids['notice_ent']}")
        big = {"body": "x" * 100_000, "csrf": token}
        assert liaison.post(f"/notices/{ids['notice_ent']}/replies", data=big).status_code == 413

        def chunks() -> Iterator[bytes]:
            yield f"csrf={token}&body=".encode()
            for _ in range(100):
                yield b"y" * 4096

        response = liaison.post(
            f"/notices/{ids['notice_ent']}/replies",
            data=chunks(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 413
    assert store.replies.of_notice(ids["notice_ent"]) == []
