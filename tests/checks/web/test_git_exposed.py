"""web.git-exposed: the weak nginx serves /.git/HEAD, the hardened one does not."""

from __future__ import annotations

import pytest

from checks.web.git_exposed import GitExposed
from scanner.core.models import AttemptStatus
from tests.helpers import run_check, url_target
from tests.hostile_http import NOT_FOUND, site_server
from tests.lab import lab

HEAD = (200, [("Content-Type", "application/octet-stream")], b"ref: refs/heads/main\n")


@pytest.mark.lab
def test_weak_site_exposes_git(lab_state: lab.LabState) -> None:
    url = f"https://{lab.WEAK_ADDR}/"
    attempt = run_check(GitExposed, url_target(url, lab.WEAK_ADDR))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.location == f"{url}.git/HEAD"
    assert finding.evidence == f"{url}.git/HEAD answered 200: ref: refs/heads/main"


@pytest.mark.lab
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_hardened_site_has_no_git(lab_state: lab.LabState, scheme: str) -> None:
    url = f"{scheme}://{lab.HARDENED_ADDR}/"
    attempt = run_check(GitExposed, url_target(url, lab.HARDENED_ADDR))
    assert attempt.status == AttemptStatus.PASS, attempt.reason


def test_site_below_the_root_is_probed_there_too() -> None:
    site = lambda m, path, r: HEAD if path == "/app/.git/HEAD" else NOT_FOUND  # noqa: E731
    with site_server(site) as url:
        attempt = run_check(GitExposed, url_target(url + "app/index.jsp", "127.0.0.1"))
    [finding] = attempt.findings
    assert finding.location == f"{url}app/.git/HEAD"


def test_a_server_that_answers_everything_alike_is_not_reported() -> None:
    with site_server(lambda m, p, r: HEAD) as url:
        attempt = run_check(GitExposed, url_target(url, "127.0.0.1"))
    assert attempt.status == AttemptStatus.PASS, attempt.findings
