"""web.directory-listing: the weak nginx lists /files/, the hardened one lists nothing."""

from __future__ import annotations

import pytest

from checks.web.directory_listing import DirectoryListing
from scanner.core.models import AttemptStatus
from tests.helpers import run_check, url_target
from tests.hostile_http import NOT_FOUND, Answer, html_page, site_server
from tests.lab import lab

LISTING = (
    "<html><head><title>Index of {path}</title></head><body><h1>Index of {path}</h1><hr><pre>"
    '<a href="../">../</a>\n<a href="a.txt">a.txt</a>\n</pre><hr></body></html>'
)


@pytest.mark.lab
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_weak_site_lists_files(lab_state: lab.LabState, scheme: str) -> None:
    url = f"{scheme}://{lab.WEAK_ADDR}/"
    attempt = run_check(DirectoryListing, url_target(url, lab.WEAK_ADDR))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.location == f"{url}files/"
    assert finding.evidence == (
        f"{url}files/ answered 200 with a listing: 'Index of /files/' (2 entries)"
    )


@pytest.mark.lab
def test_hardened_site_lists_nothing(lab_state: lab.LabState) -> None:
    url = f"https://{lab.HARDENED_ADDR}/"
    attempt = run_check(DirectoryListing, url_target(url, lab.HARDENED_ADDR))
    assert attempt.status == AttemptStatus.PASS, attempt.reason


def test_page_itself_is_reported_and_soft_listings_are_not() -> None:
    # Every directory (even random ones) answers the same listing: only the declared page counts.
    def site(method: str, path: str, raw: str) -> Answer:
        return html_page(LISTING.format(path=path)) if path.endswith("/") else NOT_FOUND

    with site_server(site) as url:
        attempt = run_check(DirectoryListing, url_target(url + "pub/", "127.0.0.1"))
    [finding] = attempt.findings
    assert finding.location == f"{url}pub/"
    assert finding.evidence == (
        f"{url}pub/ answered 200 with a listing: 'Index of /pub/' (1 entries)"
    )
