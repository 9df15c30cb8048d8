"""Web profile requests per endpoint: how many HTTP requests the full set of web checks issues
against each lab site in one run, and whether any distinct URL was fetched more than once.

Runs every registered ``web`` check on the weak site (http and https) and the hardened site
through the engine's executor with one ``RunServices`` (as a run does), then prints, per
endpoint, the requests sent, the distinct URLs, and any URL requested twice (target: none; each
distinct URL fetched once). Needs the lab (started and stopped here if it is not running).

Usage (as root): ``.venv/bin/python bench/web_requests.py``
"""

from __future__ import annotations

import sys
import time

from _common import load_lab

from scanner.core.models import AssetKind, Attempt, Exposure, UrlTarget
from scanner.engine.context import RunServices
from scanner.engine.executor import Executor, Limits
from scanner.engine.plan import Job
from scanner.engine.registry import discover
from scanner.scope.guard import ScopeGuard
from scanner.transport.ratelimit import TokenBucket


def main() -> None:
    lab = load_lab()
    started = not lab.is_running()
    if started:
        lab.start(python=sys.executable)
    try:
        web = [c for c in discover(entry_points=False).sorted() if c.meta.family == "web"]
        endpoints = [
            ("http://127.0.10.1/", "127.0.10.1"),
            ("https://127.0.10.1/", "127.0.10.1"),
            ("https://127.0.10.2/", "127.0.10.2"),
        ]
        jobs = [
            Job(
                c,
                UrlTarget(
                    entity_id="e",
                    asset_id=url,
                    kind=AssetKind.URL,
                    address=addr,
                    url=url,
                    exposure=Exposure.INTERNET,
                ),
            )
            for url, addr in endpoints
            for c in web
        ]
        services = RunServices(guard=ScopeGuard(["127.0.10.0/24"]), bucket=TokenBucket(1000))
        got: list[Attempt] = []
        t0 = time.perf_counter()
        Executor(services, Limits(workers=16, per_host=4, check_timeout=15)).execute(
            jobs, got.extend
        )
        seconds = time.perf_counter() - t0
        print(f"web profile: {len(web)} checks x {len(endpoints)} endpoints in {seconds:.2f} s")
        for host, sent in sorted(services.http_sent().items()):
            twice = {url: n for (method, url), n in sent.items() if n > 1 and method == "GET"}
            print(
                f"  {host}: {sum(sent.values())} requests, {len(sent)} distinct; fetched more "
                f"than once: {twice or 'none'} (target: none)"
            )
    finally:
        if started:
            lab.stop()


if __name__ == "__main__":
    main()
