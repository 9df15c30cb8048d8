"""web.privacy-policy-missing: the weak front page links no policy, the hardened one does."""

from __future__ import annotations

from dataclasses import replace

import pytest

from checks.web.privacy_policy_missing import PrivacyPolicyMissing
from scanner.core.models import AttemptStatus
from tests.helpers import run_check, url_target, web_service_target
from tests.hostile_http import NOT_FOUND, Answer, html_page, site_server
from tests.lab import lab


@pytest.mark.lab
def test_weak_portal_has_no_privacy_policy(lab_state: lab.LabState) -> None:
    url = f"https://{lab.WEAK_ADDR}/"
    attempt = run_check(PrivacyPolicyMissing, url_target(url, lab.WEAK_ADDR))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.location == url
    assert finding.evidence == (
        f"{url} has no link to a privacy policy (none mentions privacy or 隐私)"
    )


@pytest.mark.lab
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_hardened_portal_links_a_reachable_policy(lab_state: lab.LabState, scheme: str) -> None:
    url = f"{scheme}://{lab.HARDENED_ADDR}/"
    attempt = run_check(PrivacyPolicyMissing, url_target(url, lab.HARDENED_ADDR))
    assert attempt.status == AttemptStatus.PASS, attempt.reason


@pytest.mark.lab
def test_discovered_services_only_on_assets_tagged_portal(lab_state: lab.LabState) -> None:
    target = web_service_target(lab.WEAK_ADDR, 443, "https")
    untagged = run_check(PrivacyPolicyMissing, target)
    assert untagged.status == AttemptStatus.NOT_APPLICABLE
    tagged = run_check(PrivacyPolicyMissing, replace(target, tags=("portal",)))
    assert tagged.status == AttemptStatus.FAIL
    assert tagged.findings[0].location == "443/tcp"


def test_a_policy_link_must_open() -> None:
    def site(method: str, path: str, raw: str) -> Answer:
        if path == "/":
            return html_page('<html><a href="/legal/privacy.html">Privacy</a></html>')
        if path == "/cn":
            return html_page('<html><a href="/legal/p.html"><b>隐私</b>政策</a></html>')
        if path == "/group":
            return html_page('<html><a href="https://group.example/privacy">Privacy</a></html>')
        return html_page("<html>policy</html>") if path == "/legal/p.html" else NOT_FOUND

    with site_server(site) as url:
        broken = run_check(PrivacyPolicyMissing, url_target(url, "127.0.0.1"))
        chinese = run_check(PrivacyPolicyMissing, url_target(url + "cn", "127.0.0.1"))
        group = run_check(PrivacyPolicyMissing, url_target(url + "group", "127.0.0.1"))
    [finding] = broken.findings
    assert finding.evidence == (
        f"{url} links to a privacy policy that does not open: {url}legal/privacy.html answered 404"
    )
    assert chinese.status == AttemptStatus.PASS, chinese.findings
    assert group.status == AttemptStatus.PASS, group.reason  # another host: accepted unfetched
