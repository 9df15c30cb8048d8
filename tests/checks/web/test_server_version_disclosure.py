"""web.server-version-disclosure: the weak nginx shows its version, the hardened one does not."""

from __future__ import annotations

import http.client

import pytest

from checks.web.server_version_disclosure import ServerVersionDisclosure
from scanner.core.models import AttemptStatus
from tests.helpers import run_check, url_target
from tests.hostile_http import Answer, html_page, site_server
from tests.lab import lab


@pytest.mark.lab
def test_weak_site_discloses_the_nginx_version(lab_state: lab.LabState) -> None:
    conn = http.client.HTTPConnection(lab.WEAK_ADDR, 80, timeout=5)
    conn.request("GET", "/")
    server = conn.getresponse().getheader("Server", "")
    conn.close()
    assert server.startswith("nginx/")
    url = f"http://{lab.WEAK_ADDR}/"
    attempt = run_check(ServerVersionDisclosure, url_target(url, lab.WEAK_ADDR))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.location == url
    assert finding.evidence == f"Server: {server}"


@pytest.mark.lab
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_hardened_site_names_no_version(lab_state: lab.LabState, scheme: str) -> None:
    url = f"{scheme}://{lab.HARDENED_ADDR}/"
    attempt = run_check(ServerVersionDisclosure, url_target(url, lab.HARDENED_ADDR))
    assert attempt.status == AttemptStatus.PASS, attempt.reason


def test_powered_by_versions_are_listed() -> None:
    def site(m: str, p: str, r: str) -> Answer:
        return html_page(
            "<html></html>",
            200,
            ("X-Powered-By", "PHP/7.4.3"),
            ("X-AspNet-Version", "4.0.30319"),
            ("X-Powered-By", "Express"),
        )

    with site_server(site) as url:
        attempt = run_check(ServerVersionDisclosure, url_target(url, "127.0.0.1"))
    [finding] = attempt.findings
    # http.server's own Server header carries versions too: BaseHTTP/0.6 Python/3.x
    assert finding.evidence.startswith("Server: BaseHTTP/")
    assert finding.evidence.endswith("; X-Powered-By: PHP/7.4.3; X-AspNet-Version: 4.0.30319")
