"""web.clickjacking-unprotected against the lab's nginx and a tiny site for the edge cases."""

from __future__ import annotations

import pytest

from checks.web.clickjacking_unprotected import ClickjackingUnprotected
from scanner.core.models import AttemptStatus
from tests.helpers import run_check, url_target
from tests.hostile_http import Answer, html_page, site_server
from tests.lab import lab


@pytest.mark.lab
def test_weak_site_can_be_framed(lab_state: lab.LabState) -> None:
    url = f"https://{lab.WEAK_ADDR}/"
    attempt = run_check(ClickjackingUnprotected, url_target(url, lab.WEAK_ADDR))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.location == url
    assert finding.evidence == (
        f"{url} answered 200 (text/html) without X-Frame-Options or CSP frame-ancestors"
    )


@pytest.mark.lab
def test_hardened_site_denies_framing(lab_state: lab.LabState) -> None:
    url = f"https://{lab.HARDENED_ADDR}/"
    attempt = run_check(ClickjackingUnprotected, url_target(url, lab.HARDENED_ADDR))
    assert attempt.status == AttemptStatus.PASS, attempt.reason


def test_allow_from_does_not_protect_and_frame_ancestors_alone_does() -> None:
    def site(method: str, path: str, raw: str) -> Answer:
        if path == "/csp":
            return html_page(
                "<html></html>",
                200,
                ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'self'"),
            )
        return html_page("<html></html>", 200, ("X-Frame-Options", "ALLOW-FROM https://a.b/"))

    with site_server(site) as url:
        allow_from = run_check(ClickjackingUnprotected, url_target(url, "127.0.0.1"))
        csp = run_check(ClickjackingUnprotected, url_target(url + "csp", "127.0.0.1"))
    [finding] = allow_from.findings
    assert finding.evidence == (
        f"{url} answered 200 (text/html) with X-Frame-Options: ALLOW-FROM https://a.b/ (not DENY "
        "or SAMEORIGIN) and without CSP frame-ancestors"
    )
    assert csp.status == AttemptStatus.PASS, csp.reason
