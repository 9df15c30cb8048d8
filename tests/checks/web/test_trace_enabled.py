"""web.trace-enabled.

nginx never answers TRACE (405 Not Allowed, whatever the configuration), so the lab's weak and
hardened sites both pass; the failing case runs against a tiny real HTTP server of this test that
echoes TRACE requests the way Apache with ``TraceEnable On`` does.
"""

from __future__ import annotations

import pytest

from checks.web.trace_enabled import TraceEnabled
from scanner.core.models import AttemptStatus, ErrorReason
from tests.helpers import run_check, url_target
from tests.hostile import hostile_server
from tests.hostile_http import Answer, site_server
from tests.lab import lab


def echo(method: str, path: str, raw: str) -> Answer:
    if method == "TRACE":
        return 200, [("Content-Type", "message/http")], raw.encode()
    return 200, [("Content-Type", "text/html")], b"<html></html>"


def test_server_echoing_trace_fails() -> None:
    with site_server(echo) as url:
        attempt = run_check(TraceEnabled, url_target(url + "app/", "127.0.0.1"))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.location == f"{url}app/"
    assert finding.evidence == (
        f"TRACE /app/ on {url}app/ answered 200 (message/http) and echoed the request back"
    )


def test_server_refusing_trace_passes() -> None:
    refuse = lambda m, p, r: (405, [("Allow", "GET")], b"") if m == "TRACE" else echo(m, p, r)  # noqa: E731
    with site_server(refuse) as url:
        attempt = run_check(TraceEnabled, url_target(url, "127.0.0.1"))
    assert attempt.status == AttemptStatus.PASS, attempt.reason


def test_a_service_that_is_not_http_is_inconclusive() -> None:
    with hostile_server("controls") as (address, port):
        attempt = run_check(
            TraceEnabled, url_target(f"http://{address}:{port}/", address), timeout=3
        )
    assert attempt.status == AttemptStatus.ERROR
    assert attempt.error_reason == ErrorReason.INCONCLUSIVE
    assert "\x1b" not in attempt.reason


@pytest.mark.lab
@pytest.mark.parametrize("address", [lab.WEAK_ADDR, lab.HARDENED_ADDR])
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_lab_nginx_refuses_trace(lab_state: lab.LabState, address: str, scheme: str) -> None:
    attempt = run_check(TraceEnabled, url_target(f"{scheme}://{address}/", address))
    assert attempt.status == AttemptStatus.PASS, attempt.reason
