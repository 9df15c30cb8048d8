"""web.nosniff-missing against the lab's nginx."""

from __future__ import annotations

import pytest

from checks.web.nosniff_missing import NosniffMissing
from scanner.core.models import AttemptStatus
from tests.helpers import run_check, url_target
from tests.hostile_http import Answer, site_server
from tests.lab import lab


@pytest.mark.lab
def test_weak_site_without_nosniff(lab_state: lab.LabState) -> None:
    url = f"http://{lab.WEAK_ADDR}/"
    attempt = run_check(NosniffMissing, url_target(url, lab.WEAK_ADDR))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.location == url
    assert finding.evidence == (
        f"{url} answered 200 (text/html) without X-Content-Type-Options: nosniff"
    )


@pytest.mark.lab
def test_hardened_site_sends_nosniff(lab_state: lab.LabState) -> None:
    url = f"https://{lab.HARDENED_ADDR}/"
    attempt = run_check(NosniffMissing, url_target(url, lab.HARDENED_ADDR))
    assert attempt.status == AttemptStatus.PASS, attempt.reason


def test_wrong_value_and_server_errors() -> None:
    def site(method: str, path: str, raw: str) -> Answer:
        if path == "/broken":
            return 502, [("Content-Type", "text/plain")], b"bad gateway"
        return 200, [("Content-Type", "text/plain"), ("X-Content-Type-Options", "sniff")], b"x"

    with site_server(site) as url:
        wrong = run_check(NosniffMissing, url_target(url, "127.0.0.1"))
        broken = run_check(NosniffMissing, url_target(url + "broken", "127.0.0.1"))
    [finding] = wrong.findings
    assert finding.evidence == (
        f"{url} answered 200 (text/plain) with X-Content-Type-Options: sniff (not nosniff)"
    )
    assert broken.status == AttemptStatus.ERROR and "answered 502" in broken.reason
