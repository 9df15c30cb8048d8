"""web.csp-missing against the lab's nginx and a tiny site for the edge cases."""

from __future__ import annotations

import pytest

from checks.web.csp_missing import CspMissing
from scanner.core.models import AttemptStatus
from tests.helpers import run_check, url_target
from tests.hostile_http import Answer, html_page, site_server
from tests.lab import lab


@pytest.mark.lab
def test_weak_site_without_csp(lab_state: lab.LabState) -> None:
    url = f"https://{lab.WEAK_ADDR}/"
    attempt = run_check(CspMissing, url_target(url, lab.WEAK_ADDR))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.location == url
    assert finding.evidence == (
        f"{url} answered 200 (text/html) without a Content-Security-Policy header"
    )


@pytest.mark.lab
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_hardened_site_sends_csp(lab_state: lab.LabState, scheme: str) -> None:
    url = f"{scheme}://{lab.HARDENED_ADDR}/"  # http:// redirects to the https page
    attempt = run_check(CspMissing, url_target(url, lab.HARDENED_ADDR))
    assert attempt.status == AttemptStatus.PASS, attempt.reason


def test_report_only_is_named_and_meta_policy_counts() -> None:
    def site(method: str, path: str, raw: str) -> Answer:
        if path == "/meta":
            return html_page(
                '<html><head><meta http-equiv="Content-Security-Policy" '
                "content=\"default-src 'self'\"></head></html>"
            )
        if path == "/api":
            return 200, [("Content-Type", "application/json")], b"{}"
        return html_page("<html></html>", 200, ("Content-Security-Policy-Report-Only", "x"))

    with site_server(site) as url:
        report_only = run_check(CspMissing, url_target(url, "127.0.0.1"))
        meta = run_check(CspMissing, url_target(url + "meta", "127.0.0.1"))
        api = run_check(CspMissing, url_target(url + "api", "127.0.0.1"))
    [finding] = report_only.findings
    assert finding.evidence == (
        f"{url} answered 200 (text/html) without a Content-Security-Policy header (only "
        "Content-Security-Policy-Report-Only, which enforces nothing)"
    )
    assert meta.status == AttemptStatus.PASS
    assert api.status == AttemptStatus.NOT_APPLICABLE
