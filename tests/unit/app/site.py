"""A web site the test starts on loopback, whose X-Content-Type-Options header a test can fix."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.unit.inventory.test_schema import MINIMAL

CHECKS = ("web.nosniff-missing", "web.server-version-disclosure")
INVENTORY = (
    MINIMAL.partition("entities:")[0].replace("127.0.10.0/24", "127.0.0.1/32")
    + f"""\
entities:
  - id: ent
    name: Entity
    sector: energy
    assets:
      - id: site
        url: http://127.0.0.1:{{port}}/
profiles:
  web:
    checks: [{", ".join(CHECKS)}]
"""
)


@dataclass
class Site:
    """The running site: its port, whether it sends ``nosniff`` yet, whether it still names
    its version."""

    port: int
    nosniff: bool = False
    banner: bool = True


@contextmanager
def serving() -> Iterator[Site]:
    """Serve a page without X-Content-Type-Options (until ``nosniff`` is set), from a server
    that names its version (until ``banner`` is cleared)."""
    site = Site(0)

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html><body>hello</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            if site.nosniff:
                self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)

        def version_string(self) -> str:
            return "Apache/2.4.41 (Ubuntu)" if site.banner else "web"

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
