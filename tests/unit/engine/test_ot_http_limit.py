"""The ot connection limit covers HTTP: every request and every redirect hop whose destination
belongs to an ot asset goes through the ot bucket, whichever asset the check inspects.

No timing is asserted: the ot bucket is a counting one, and its count is compared with the
requests the ot web server (on loopback, declared as an ot asset) received.
"""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from scanner.api import AppliesTo, Check, CheckContext, Finding, Severity
from scanner.core.models import AssetKind, AttemptStatus, Exposure, UrlTarget
from scanner.engine.context import RunServices
from scanner.engine.jobs import run_services
from scanner.engine.refusals import RefusalLog
from scanner.inventory.schema import load_inventory
from scanner.transport.ratelimit import TokenBucket
from tests.helpers import LOOPBACK_ONLY, run_check, url_target, write
from tests.unit.inventory.test_schema import MINIMAL

OT_ADDRESS = "127.0.0.2"  # the PLC's web UI
OFFICE_ADDRESS = "127.0.0.1"  # an ordinary web site
REQUESTS = 12


class CountingBucket(TokenBucket):
    """A token bucket that counts the slots it handed out."""

    def __init__(self, rate: float) -> None:
        super().__init__(rate, burst=rate)
        self.taken = 0
        self._count = threading.Lock()

    def acquire(self, deadline: float) -> bool:
        with self._count:
            self.taken += 1
        return super().acquire(deadline)


@contextlib.contextmanager
def web_server(address: str, routes: dict[str, str]) -> Iterator[tuple[str, list[str]]]:
    """Serve on ``address``: a path in ``routes`` redirects there, any other is a page. Yields
    the base URL and the list of paths requested (appended as requests arrive)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            target = routes.get(self.path)
            self.send_response(302 if target else 200)
            if target:
                self.send_header("Location", target)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer((address, 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://{address}:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(2)


class Browse(Check):
    """Reads the pages ``PAGES`` names, then opens one TCP connection to ``TCP``."""

    id = "test.browse"
    title = "A test check that reads web pages"
    family = "test"
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.URL,))
    remediation = "Nothing to remediate in a test."
    PAGES: tuple[str, ...] = ()
    TCP: tuple[str, int] = ("", 0)

    def run(self, target: UrlTarget, ctx: CheckContext) -> Iterator[Finding]:
        for url in self.PAGES:
            ctx.http_get(url)
        ctx.connect(*self.TCP).close()
        yield from ()


def test_every_request_and_hop_to_an_ot_address_goes_through_the_ot_bucket() -> None:
    ot_routes = {"/login": "/panel"}  # a hop inside the PLC's web UI
    with (
        web_server(OT_ADDRESS, ot_routes) as (plc, plc_hits),
        # the office site's home page redirects to the PLC's login; /home stays in the office
        web_server(OFFICE_ADDRESS, {"/": f"{plc}/login", "/home": "/about"}) as (site, hits),
    ):
        Browse.PAGES = (
            *(f"{plc}/status/{i}" for i in range(REQUESTS)),  # straight to the PLC
            f"{site}/",  # office -> PLC /login -> PLC /panel
            f"{site}/home",  # office -> office: never the ot bucket
        )
        Browse.TCP = (OT_ADDRESS, int(plc.rsplit(":", 1)[1]))
        ot_bucket = CountingBucket(1000)
        services = RunServices(
            guard=LOOPBACK_ONLY,
            bucket=TokenBucket(1000),
            ot_bucket=ot_bucket,
            ot_hosts=(f"{plc}/",),  # declared as a URL asset, as an inventory would
        )
        # The check inspects the office site (not an ot target): the destination decides.
        attempt = run_check(Browse, url_target(f"{site}/", OFFICE_ADDRESS), services=services)
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert len(plc_hits) == REQUESTS + 2 and "/panel" in plc_hits and "/login" in plc_hits
    assert hits == ["/", "/home", "/about"]
    # every PLC request and hop, plus the one TCP connection; nothing for the office site
    assert ot_bucket.taken == len(plc_hits) + 1


def test_checks_of_an_ot_asset_always_take_the_ot_bucket() -> None:
    with web_server(OFFICE_ADDRESS, {}) as (site, hits):
        Browse.PAGES = ()
        Browse.TCP = (OFFICE_ADDRESS, int(site.rsplit(":", 1)[1]))
        ot_bucket = CountingBucket(1000)
        services = RunServices(guard=LOOPBACK_ONLY, bucket=TokenBucket(1000), ot_bucket=ot_bucket)
        target = url_target(f"{site}/", OFFICE_ADDRESS)
        attempt = run_check(Browse, replace(target, exposure=Exposure.OT), services=services)
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert ot_bucket.taken == 1 and hits == []


def test_the_run_knows_its_ot_assets_by_address_range_and_name(tmp_path: Path) -> None:
    host = "        host: 127.0.10.1"
    text = MINIMAL.replace(host, f"{host}\n        tags: [ot]")
    services = run_services(load_inventory(write(tmp_path / "inv.yaml", text)), {}, RefusalLog())
    assert services.is_ot("127.0.10.1") and services.is_ot("::ffff:127.0.10.1")
    assert not services.is_ot("127.0.10.2")
    ranged = RunServices(
        guard=LOOPBACK_ONLY,
        bucket=TokenBucket(1000),
        ot_hosts=("127.0.20.0/24", "localhost", "http://127.0.30.1:8080/hmi"),
    )
    loopback = str(socket.getaddrinfo("localhost", None, socket.AF_INET)[0][4][0])
    assert ranged.is_ot("127.0.20.77") and ranged.is_ot(loopback) and ranged.is_ot("127.0.30.1")
    assert not ranged.is_ot("127.0.21.1") and not ranged.is_ot("not an address")
