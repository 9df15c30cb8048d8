"""A distributed run's rate limit holds for the run, not per worker: four `scanner worker`
processes (real redis-server and PostgreSQL on loopback) press on a web server no harder than
the inventory's ``connections_per_second``.

The target is one counting web server the test starts on 127.0.23.1: it records the time of
every request it answers, so the rate is measured where it matters, at the target. Eight URL
assets make eight tasks, spread over the four workers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from scanner.distributed.limits import SharedBucket
from tests.helpers import write
from tests.integration.test_distributed import Workers, finish, scanner
from tests.pg import Postgres, Redis

ADDRESS = "127.0.23.1"
RATE = 20.0
SITES = 8
INVENTORY = """\
campaign:
  name: shared limits test
  authority: test office
  authorization:
    reference: T-1
    issued_by: test
    valid_from: 2026-01-01
    valid_until: 2030-12-31
scope:
  allow: [127.0.23.0/24]
rate_limits:
  connections_per_second: {rate}
  check_timeout: 60
entities:
  - id: ent
    name: Entity
    sector: energy
    assets:
{assets}
profiles:
  web:
    families: [web]
"""


@pytest.fixture
def target() -> Iterator[tuple[int, list[float]]]:
    """The counting web server: (port, the monotonic time of each request)."""
    times: list[float] = []
    lock = threading.Lock()

    class Page(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            with lock:
                times.append(time.monotonic())
            body = b"<html><body>counted</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_HEAD = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((ADDRESS, 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], times
    finally:
        server.shutdown()
        server.server_close()


def busiest(times: list[float], window: float) -> float:
    """The most requests any ``window`` seconds held, per second."""
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] > window:
            start += 1
        best = max(best, end - start + 1)
    return best / window


def test_four_workers_share_one_rate_limit(
    postgres: Postgres, tmp_path: Path, target: tuple[int, list[float]]
) -> None:
    port, times = target
    assets = "\n".join(
        f"      - id: site{n}\n        url: http://{ADDRESS}:{port}/s{n}/" for n in range(SITES)
    )
    inventory = write(tmp_path / "inv.yaml", INVENTORY.format(rate=RATE, assets=assets))
    (tmp_path / "none").mkdir()
    db = postgres.create_database()
    with Redis() as redis:
        workers = Workers(redis.url, db, tmp_path, tmp_path / "none")
        try:
            for n in range(4):
                workers.start(f"w{n}", 120)
            for n in range(4):
                workers.wait_ready(f"w{n}")
            result = finish(
                scanner(
                    *("run", str(inventory), "--profile", "web", "--json"),
                    *("--db", db, "--broker", redis.url, "--wait-timeout", "240"),
                )
            )
        finally:
            workers.stop()
    assert result["status"] == "completed"
    ran = [n for n in range(4) if "jobs run" in workers.log(f"w{n}")]
    assert len(ran) >= 2, "the tasks were not spread over several workers"
    assert len(times) > 4 * RATE  # long enough to measure
    # The burst (rate / 10) may come on top of the rate once; over any 3 s the run stayed
    # within the limit, where four workers with limits of their own would reach four times it.
    assert busiest(times, 3.0) <= RATE * 1.15 + RATE / 10 / 3, busiest(times, 3.0)


def test_the_shared_bucket_holds_across_clients() -> None:
    # Four clients of one bucket (as four workers are) get tokens at the bucket's rate together.
    import redis as redis_client  # noqa: PLC0415

    with Redis() as server:
        clients = [redis_client.Redis.from_url(server.url) for _ in range(4)]
        buckets = [SharedBucket(c, "scanner:run:1:rate", rate=50, burst=5) for c in clients]
        taken: list[float] = []
        lock = threading.Lock()

        def take(bucket: SharedBucket) -> None:
            for _ in range(25):
                assert bucket.acquire(time.monotonic() + 30)
                with lock:
                    taken.append(time.monotonic())

        threads = [threading.Thread(target=take, args=(b,)) for b in buckets]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for c in clients:
            c.close()
    assert len(taken) == 100
    # 100 tokens at 50/s with a burst of 5: about 1.9 s, not the 0.5 s four buckets would allow
    assert max(taken) - min(taken) >= (100 - 5) / 50 * 0.9
