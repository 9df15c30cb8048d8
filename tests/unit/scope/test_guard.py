"""The scope guard: addresses, ranges, names (every resolved address), URLs and redirect hops."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections.abc import Iterator

import pytest

from scanner.core.models import Refusal
from scanner.scope.guard import OutOfScope, ScopeGuard
from scanner.transport.http import HttpClient


def fake_dns(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    # A stand-in resolver: no DNS server can be run for arbitrary names here. The guard's
    # logic is what is under test, not the system resolver.
    return lambda name: table[name]


def test_deny_wins_over_allow() -> None:
    guard = ScopeGuard(["127.0.10.0/24"], ["127.0.10.9"])
    assert guard.resolve("127.0.10.8") == ["127.0.10.8"]
    with pytest.raises(OutOfScope, match="denied range"):
        guard.resolve("127.0.10.9")
    with pytest.raises(OutOfScope, match="not in any allowed range"):
        guard.resolve("127.0.11.1")


def test_ranges_must_lie_wholly_inside() -> None:
    guard = ScopeGuard(["127.0.10.0/24"])
    assert guard.network_problem("127.0.10.0/28") is None
    assert guard.network_problem("127.0.0.0/16") is not None


def test_every_resolved_address_is_checked() -> None:
    refusals: list[Refusal] = []
    guard = ScopeGuard(
        ["127.0.10.0/24"],
        resolver=fake_dns(
            {
                "good.lab": ["127.0.10.1", "127.0.10.2"],
                "split.lab": ["127.0.10.1", "127.0.99.1"],
            }
        ),
        on_refusal=refusals.append,
    )
    assert guard.resolve("good.lab") == ["127.0.10.1", "127.0.10.2"]
    with pytest.raises(OutOfScope, match=r"split.lab resolves to 127.0.99.1"):
        guard.resolve("split.lab", check_id="web.x")
    assert refusals[0].target == "split.lab" and refusals[0].check_id == "web.x"


def test_allowed_name_never_reaches_a_denied_address() -> None:
    guard = ScopeGuard(
        ["portal.lab", "*.portal.lab"],
        ["127.0.10.9"],
        resolve_anywhere=["portal.lab", "bad.portal.lab"],
        resolver=fake_dns({"portal.lab": ["203.0.113.1"], "bad.portal.lab": ["127.0.10.9"]}),
    )
    assert guard.resolve("portal.lab") == ["203.0.113.1"]  # declared by name, may resolve anywhere
    with pytest.raises(OutOfScope):
        guard.resolve("bad.portal.lab")


def test_urls_must_be_http_with_a_host() -> None:
    guard = ScopeGuard(["127.0.0.0/8"])
    assert guard.check_url("https://127.0.0.1:8443/x") == ["127.0.0.1"]
    with pytest.raises(OutOfScope):
        guard.check_url("file:///etc/passwd")


class _Redirect(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        targets = {"/out": "http://127.0.99.1/", "/in": "/final", "/loop": "/loop"}
        if self.path in targets:
            self.send_response(302)
            self.send_header("Location", targets[self.path])
            self.end_headers()
            return
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"final")

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def redirect_server() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_out_of_scope_redirect_is_recorded_not_followed() -> None:
    refusals: list[Refusal] = []
    guard = ScopeGuard(["127.0.0.1"], on_refusal=refusals.append)
    client = HttpClient(guard, "test", lambda _a, _d: True)
    with redirect_server() as port:
        deadline = time.monotonic() + 5
        out = client.get(f"http://127.0.0.1:{port}/out", deadline)
        inside = client.get(f"http://127.0.0.1:{port}/in", deadline)
        loop = client.get(f"http://127.0.0.1:{port}/loop", deadline)
    assert out.status == 302 and out.refused_redirect == "http://127.0.99.1/"
    assert [r.target for r in refusals] == ["http://127.0.99.1/"]
    assert inside.status == 200 and inside.body == b"final" and len(inside.redirects) == 1
    assert loop.status == 302  # a redirect loop ends, it does not spin
    assert client.requests_sent == 4  # /out, /in, /final, /loop: each fetched once


def test_one_fetch_serves_many_checks() -> None:
    client = HttpClient(ScopeGuard(["127.0.0.1"]), "test", lambda _a, _d: True)
    with redirect_server() as port:
        for _ in range(5):
            client.get(f"http://127.0.0.1:{port}/page", time.monotonic() + 5)
    assert client.requests_sent == 1
