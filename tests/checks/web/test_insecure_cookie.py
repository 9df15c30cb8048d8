"""web.insecure-cookie: the weak nginx sets a cookie without flags, the hardened one with all."""

from __future__ import annotations

import pytest

from checks.web.insecure_cookie import InsecureCookie
from scanner.core.models import AttemptStatus
from tests.helpers import run_check, url_target
from tests.hostile_http import html_page, site_server
from tests.lab import lab


@pytest.mark.lab
def test_weak_https_site_sets_a_cookie_without_flags(lab_state: lab.LabState) -> None:
    url = f"https://{lab.WEAK_ADDR}/"
    attempt = run_check(InsecureCookie, url_target(url, lab.WEAK_ADDR))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.location == f"{url} cookie sessionid"
    assert finding.evidence == f"Set-Cookie sessionid from {url} lacks Secure, HttpOnly, SameSite"
    assert "lab-weak" not in repr(finding)  # the cookie's value is never recorded


@pytest.mark.lab
def test_weak_plain_http_site_is_not_asked_for_secure(lab_state: lab.LabState) -> None:
    url = f"http://{lab.WEAK_ADDR}/"
    attempt = run_check(InsecureCookie, url_target(url, lab.WEAK_ADDR))
    [finding] = attempt.findings
    assert finding.evidence == f"Set-Cookie sessionid from {url} lacks HttpOnly, SameSite"


@pytest.mark.lab
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_hardened_site_sets_secure_cookies(lab_state: lab.LabState, scheme: str) -> None:
    url = f"{scheme}://{lab.HARDENED_ADDR}/"
    attempt = run_check(InsecureCookie, url_target(url, lab.HARDENED_ADDR))
    assert attempt.status == AttemptStatus.PASS, attempt.reason


def test_csrf_cookies_and_deletions() -> None:
    site = lambda m, p, r: html_page(  # noqa: E731
        "<html></html>",
        200,
        ("Set-Cookie", "csrftoken=abc; Path=/; SameSite=Lax"),  # readable by design
        ("Set-Cookie", "old=; Max-Age=0; Path=/"),  # a deletion
        ("Set-Cookie", "lang=en; HttpOnly"),
    )
    with site_server(site) as url:
        attempt = run_check(InsecureCookie, url_target(url, "127.0.0.1"))
    assert [(f.location, f.evidence) for f in attempt.findings] == [
        (f"{url} cookie lang", f"Set-Cookie lang from {url} lacks SameSite"),
    ]
