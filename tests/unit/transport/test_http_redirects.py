"""The HTTP helper treats only the scope guard's refusals as a refused redirect: a bug in the
guard surfaces as the check's error, never as a redirect the site seemed to refuse."""

from __future__ import annotations

import pytest

from checks.web.hsts_missing import HstsMissing
from scanner.core.models import AttemptStatus, ErrorReason, Refusal
from scanner.engine.context import RunServices
from scanner.scope.guard import ScopeGuard
from scanner.transport.ratelimit import TokenBucket
from tests.helpers import run_check, url_target
from tests.hostile_http import Answer, html_page, site_server


def site(method: str, path: str, raw: str) -> Answer:
    if path == "/":
        return 302, [("Location", "/next")], b""
    return html_page("<html>next</html>")


def test_a_bug_in_the_scope_guard_is_a_check_bug_not_a_refused_redirect(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = ScopeGuard.check_url

    def buggy(self: ScopeGuard, url: str, *, check_id: str = "") -> list[str]:
        if url.endswith("/next"):
            raise RuntimeError("a bug in the guard")
        return real(self, url, check_id=check_id)

    monkeypatch.setattr(ScopeGuard, "check_url", buggy)
    with site_server(site) as base:
        attempt = run_check(HstsMissing, url_target(base, "127.0.0.1"))
    assert attempt.status == AttemptStatus.ERROR
    assert attempt.error_reason == ErrorReason.CHECK_BUG
    assert "RuntimeError: a bug in the guard" in attempt.reason and attempt.traceback


def test_an_out_of_scope_redirect_is_still_refused_not_followed() -> None:
    def away(method: str, path: str, raw: str) -> Answer:
        return 302, [("Location", "http://127.0.99.1/")], b""

    refusals: list[Refusal] = []
    guard = ScopeGuard(["127.0.0.1"], on_refusal=refusals.append)
    services = RunServices(guard=guard, bucket=TokenBucket(1000))
    with site_server(away) as base:
        attempt = run_check(HstsMissing, url_target(base, "127.0.0.1"), services=services)
    assert attempt.error_reason is None, attempt.reason
    assert [r.target for r in refusals] == ["http://127.0.99.1/"]
