"""web.env-exposed: the weak nginx serves /.env (names reported, values never), hardened not."""

from __future__ import annotations

import pytest

from checks.web.env_exposed import EnvExposed
from scanner.core.models import AttemptStatus
from tests.helpers import run_check, url_target
from tests.hostile_http import NOT_FOUND, Answer, html_page, site_server
from tests.lab import lab


@pytest.mark.lab
def test_weak_site_exposes_env_without_recording_values(lab_state: lab.LabState) -> None:
    url = f"http://{lab.WEAK_ADDR}/"
    attempt = run_check(EnvExposed, url_target(url, lab.WEAK_ADDR))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.location == f"{url}.env"
    assert finding.evidence == (
        f"{url}.env answered 200 with 4 KEY=VALUE lines: APP_ENV, APP_KEY, DB_HOST, DB_PASSWORD"
    )
    assert "lab-fixture-not-a-secret" not in repr(finding)


@pytest.mark.lab
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_hardened_site_has_no_env(lab_state: lab.LabState, scheme: str) -> None:
    url = f"{scheme}://{lab.HARDENED_ADDR}/"
    attempt = run_check(EnvExposed, url_target(url, lab.HARDENED_ADDR))
    assert attempt.status == AttemptStatus.PASS, attempt.reason


def test_html_pages_and_single_lines_are_not_env_files() -> None:
    def site(method: str, path: str, raw: str) -> Answer:
        if path == "/.env":
            return html_page("<!DOCTYPE html><html>\nA=1\nB=2\n</html>")
        if path == "/.env.local":
            return 200, [("Content-Type", "text/plain")], b"JUST_ONE=1\n"
        return NOT_FOUND

    with site_server(site) as url:
        attempt = run_check(EnvExposed, url_target(url, "127.0.0.1"))
    assert attempt.status == AttemptStatus.PASS, attempt.findings
