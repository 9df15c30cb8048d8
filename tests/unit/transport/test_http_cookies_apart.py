"""A request sent with cookies of its own (a login form's) carries exactly those and a body,
and nothing it is answered enters the host's shared session: a login's session cookie never
makes another check's requests logged in. Against a server started here on 127.77.2.20."""

from __future__ import annotations

import contextlib
import http.server
import time
from collections.abc import Iterator

import pytest

from scanner.core.errors import Inconclusive
from scanner.scope.guard import ScopeGuard
from scanner.transport.http import HttpClient
from tests.hostile_http import handler_server

ADDRESS = "127.77.2.20"


@contextlib.contextmanager
def recorder(seen: list[tuple[str, str, bytes]]) -> Iterator[str]:
    """A site that records (path, Cookie header, body) and sets a cookie named by the path."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            seen.append((self.path, self.headers.get("Cookie") or "", self.rfile.read(length)))
            self.send_response(200)
            self.send_header("Set-Cookie", f"{self.path.strip('/')}=1; Path=/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    with handler_server(Handler, ADDRESS) as base:
        yield base.rstrip("/")


def test_own_cookies_are_sent_alone_and_kept_apart_from_the_session() -> None:
    seen: list[tuple[str, str, bytes]] = []
    client = HttpClient(ScopeGuard(["127.77.2.0/24"]), "test", lambda _a, _d: True)
    deadline = time.monotonic() + 10
    with recorder(seen) as base:
        client.fetch("GET", f"{base}/shared", deadline)  # the session keeps shared=1
        client.fetch("GET", f"{base}/fresh", deadline, cookies={})
        client.fetch("POST", f"{base}/login", deadline, body=b"user=a&pw=b", cookies={"s": "x"})
        client.fetch("GET", f"{base}/later", deadline)
    client.close()
    assert seen == [
        ("/shared", "", b""),
        ("/fresh", "", b""),  # not the session's shared=1
        ("/login", "s=x", b"user=a&pw=b"),
        ("/later", "shared=1", b""),  # neither fresh=1 nor login=1 entered the session
    ]


def test_a_location_that_is_not_a_url_is_inconclusive_not_a_bug() -> None:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", "http://[::1:bad/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    client = HttpClient(ScopeGuard(["127.77.2.0/24"]), "test", lambda _a, _d: True)
    with (
        handler_server(Handler, ADDRESS) as base,
        pytest.raises(Inconclusive, match="Location header that is not a URL"),
    ):
        client.fetch("GET", base, time.monotonic() + 5)
    client.close()
