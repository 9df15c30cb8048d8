"""web.hsts-missing against the lab's nginx: weak site without HSTS, hardened site with it."""

from __future__ import annotations

import pytest

from checks.web.hsts_missing import HstsMissing
from scanner.core.models import AttemptStatus
from tests.helpers import run_check, url_target
from tests.lab import lab

pytestmark = pytest.mark.lab


def test_weak_site_without_hsts(lab_state: lab.LabState) -> None:
    url = f"https://{lab.WEAK_ADDR}/"
    attempt = run_check(HstsMissing, url_target(url, lab.WEAK_ADDR))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.location == url
    assert finding.evidence == f"{url} answered 200 without a Strict-Transport-Security header"


def test_hardened_site_sends_hsts_after_redirect(lab_state: lab.LabState) -> None:
    # http:// redirects to https:// in scope; the final page carries a one-year HSTS header.
    attempt = run_check(HstsMissing, url_target(f"http://{lab.HARDENED_ADDR}/", lab.HARDENED_ADDR))
    assert attempt.status == AttemptStatus.PASS, attempt.reason


def test_plain_http_site_is_not_applicable(lab_state: lab.LabState) -> None:
    attempt = run_check(HstsMissing, url_target(f"http://{lab.WEAK_ADDR}/", lab.WEAK_ADDR))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE
