"""web.http-no-https-redirect: the weak site stays on plain HTTP, the hardened one redirects."""

from __future__ import annotations

import pytest

from checks.web.http_no_https_redirect import HttpNoHttpsRedirect
from scanner.core.models import AttemptStatus, ErrorReason
from tests.helpers import run_check, url_target, web_service_target
from tests.hostile_http import Answer, html_page, site_server
from tests.lab import lab


@pytest.mark.lab
def test_weak_site_answers_over_plain_http(lab_state: lab.LabState) -> None:
    url = f"http://{lab.WEAK_ADDR}/"
    attempt = run_check(HttpNoHttpsRedirect, url_target(url, lab.WEAK_ADDR))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.location == url
    assert finding.evidence == f"{url} answered 200 over plain HTTP without redirecting to HTTPS"


@pytest.mark.lab
def test_discovered_http_service_is_located_by_port(lab_state: lab.LabState) -> None:
    # A web service found by discovery: target.url is made from the port, location is 80/tcp.
    target = web_service_target(lab.WEAK_ADDR, 80, "http")
    attempt = run_check(HttpNoHttpsRedirect, target)
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.location == "80/tcp"
    assert finding.evidence == (
        f"http://{lab.WEAK_ADDR}:80/ answered 200 over plain HTTP without redirecting to HTTPS"
    )


@pytest.mark.lab
def test_hardened_site_redirects_to_https(lab_state: lab.LabState) -> None:
    url = f"http://{lab.HARDENED_ADDR}/"
    attempt = run_check(HttpNoHttpsRedirect, url_target(url, lab.HARDENED_ADDR))
    assert attempt.status == AttemptStatus.PASS, attempt.reason


@pytest.mark.lab
def test_https_url_is_not_applicable(lab_state: lab.LabState) -> None:
    url = f"https://{lab.WEAK_ADDR}/"
    attempt = run_check(HttpNoHttpsRedirect, url_target(url, lab.WEAK_ADDR))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE


def test_redirect_to_out_of_scope_https_is_a_pass() -> None:
    site = lambda method, path, raw: (301, [("Location", "https://192.0.2.7/")], b"")  # noqa: E731
    with site_server(site) as url:
        attempt = run_check(HttpNoHttpsRedirect, url_target(url, "127.0.0.1"))
    assert attempt.status == AttemptStatus.PASS, attempt.reason


def test_redirect_to_out_of_scope_http_is_inconclusive() -> None:
    site = lambda method, path, raw: (302, [("Location", "http://192.0.2.7/")], b"")  # noqa: E731
    with site_server(site) as url:
        attempt = run_check(HttpNoHttpsRedirect, url_target(url, "127.0.0.1"))
    assert attempt.status == AttemptStatus.ERROR
    assert attempt.error_reason == ErrorReason.INCONCLUSIVE
    assert "redirects out of scope to http://192.0.2.7/" in attempt.reason


def test_in_scope_redirects_that_stay_on_http_fail() -> None:
    def site(method: str, path: str, raw: str) -> Answer:
        if path == "/":
            return 302, [("Location", "/home")], b""
        return html_page("<html>home</html>")

    with site_server(site) as url:
        attempt = run_check(HttpNoHttpsRedirect, url_target(url, "127.0.0.1"))
    [finding] = attempt.findings
    assert finding.evidence == (
        f"{url} answered 200 over plain HTTP after 1 redirect(s) to {url}home without "
        "redirecting to HTTPS"
    )
