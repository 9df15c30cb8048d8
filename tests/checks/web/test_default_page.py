"""web.default-page: the weak nginx serves its stock welcome page at /welcome/."""

from __future__ import annotations

import pytest

from checks.web.default_page import DefaultPage
from scanner.core.models import AttemptStatus
from tests.helpers import run_check, url_target
from tests.lab import lab


@pytest.mark.lab
def test_weak_site_serves_the_nginx_welcome_page(lab_state: lab.LabState) -> None:
    url = f"http://{lab.WEAK_ADDR}/welcome/"
    attempt = run_check(DefaultPage, url_target(url, lab.WEAK_ADDR))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.location == url
    assert finding.evidence == (
        f"{url} answered 200 with the nginx default page (title 'Welcome to nginx!')"
    )


@pytest.mark.lab
@pytest.mark.parametrize(
    "url",
    [f"https://{lab.WEAK_ADDR}/", f"https://{lab.HARDENED_ADDR}/", f"http://{lab.HARDENED_ADDR}/"],
)
def test_real_front_pages_pass(lab_state: lab.LabState, url: str) -> None:
    address = url.split("/")[2]
    attempt = run_check(DefaultPage, url_target(url, address))
    assert attempt.status == AttemptStatus.PASS, attempt.reason
