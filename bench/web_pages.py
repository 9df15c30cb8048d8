"""The web application under a campaign's load: 1,000 entities and 100,000 issues.

Seeds a store through the real path (one run's attempts and findings stored by
``store.attempts.record``, reconciled into issues, notices issued), serves the application on
127.0.0.1 with uvicorn, logs in, and times the dashboard, the issue list (first page and a deep
page), an issue page and a notice page: p50 and p95 of the time to the last byte over loopback
(target p95 under 300 ms); the dashboard also right after a state change (its figures are
cached per store version, so that request recomputes them). Then the API's list throughput:
every issue read page by page (``/api/v1/issues?limit=500&after=...``) with a bearer token, in
issues per second.

Usage: ``.venv/bin/python bench/web_pages.py [--entities N] [--issues N] [--requests N]
[--postgres]`` (``--postgres``: the same on a throwaway PostgreSQL from tests/pg.py).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from _common import add_repo_root_to_path, peak_rss_mb

add_repo_root_to_path()

import requests  # noqa: E402

from scanner.app.accounts import add_user, create_token  # noqa: E402
from scanner.app.documents import issue_for_run  # noqa: E402
from scanner.core.models import Attempt, AttemptStatus, Finding, Severity  # noqa: E402
from scanner.store import Store  # noqa: E402
from scanner.tracking.issues import false_positive, reconcile  # noqa: E402
from tests.web.client import Browser  # noqa: E402
from tests.web.site import serving  # noqa: E402

PASSWORD = "bench password 123"  # noqa: S105 - a throwaway account of a throwaway store
CHECKS = ("net.redis-no-auth", "web.hsts-missing", "net.telnet-open", "tls.weak-protocols")
SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
BATCH = 5000


def inventory(entities: int) -> str:
    head = """\
campaign:
  name: bench
  authority: bench office
  authorization:
    reference: BENCH
    issued_by: bench
    valid_from: 2026-01-01
    valid_until: 2030-12-31
scope:
  allow: [127.30.0.0/16]  # loopback: the bench seeds the store, it scans nothing
entities:
"""
    body = "".join(
        f"""  - id: e{i:04d}
    name: Entity {i}
    sector: energy
    cii_operator: {"true" if i % 3 == 0 else "false"}
    assets:
      - id: a{i:04d}
        host: 127.30.{i // 250}.{i % 250 + 1}
        exposure: {("internet", "internal", "ot")[i % 3]}
"""
        for i in range(entities)
    )
    return head + body + "profiles:\n  remote:\n    modes: [remote]\n"


def seed(store: Store, entities: int, issues: int, *, notices: bool = True) -> dict[str, int]:
    """Store one run of ``issues`` findings over ``entities`` entities, reconcile it and (with
    ``notices``) issue its notices; the ids the pages are timed with."""
    t0 = time.perf_counter()
    run_id = store.runs.create(
        "bench", "remote", "b.yaml", "0" * 64, "b", inventory_text=inventory(entities)
    )
    per = issues // entities
    batch: list[Attempt] = []
    for e in range(entities):
        for k in range(per):
            check, sev = CHECKS[k % len(CHECKS)], SEVERITIES[(e + k) % len(SEVERITIES)]
            location = f"{1000 + k}/tcp"
            finding = Finding(
                check, f"e{e:04d}", f"a{e:04d}", location, sev, f"evidence {e} {k} <b>x</b>"
            )
            batch.append(
                Attempt(
                    check,
                    f"e{e:04d}",
                    f"a{e:04d}",
                    location,
                    AttemptStatus.FAIL,
                    findings=(finding,),
                )
            )
            if len(batch) >= BATCH:
                store.attempts.record(run_id, batch)
                batch = []
    if batch:
        store.attempts.record(run_id, batch)
    store.runs.finish(run_id, "completed")
    reconcile(store, run_id)
    t1 = time.perf_counter()
    if not notices:
        print(f"seed: {per * entities} issues of {entities} entities in {t1 - t0:.1f} s")
        return {"run": run_id}
    issue_for_run(store, run_id)
    t2 = time.perf_counter()
    print(
        f"seed: {per * entities} issues of {entities} entities stored and reconciled in "
        f"{t1 - t0:.1f} s; notices issued in {t2 - t1:.1f} s"
    )
    add_user(store, "bench", "admin", PASSWORD)
    mid = store.issues.find(entity=f"e{entities // 2:04d}")[0].id
    notice = store.views.notices(entity=f"e{entities // 2:04d}").rows[0].id
    return {"run": run_id, "issue": mid, "notice": notice}


def timed(browser: Browser, path: str, n: int) -> tuple[float, float]:
    browser.get(path)  # warm: parsed inventory, compiled templates
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        response = browser.get(path)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def bench(store: Store, label: str, args: argparse.Namespace) -> None:
    ids = seed(store, args.entities, args.issues)
    with serving(store) as url:
        browser = Browser(url)
        assert browser.login("bench", PASSWORD).status_code == 303
        pages = {
            "dashboard": "/",
            "issue list": "/issues",
            "issue list, deep page": f"/issues?after={args.issues * 9 // 10}",
            "issue list, one entity": f"/issues?entity=e{args.entities // 2:04d}",
            "issue page": f"/issues/{ids['issue']}",
            "notice page": f"/notices/{ids['notice']}",
            "entities": "/entities",
        }
        for name, path in pages.items():
            p50, p95 = timed(browser, path, args.requests)
            print(
                f"{label}: {name:24s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  (target p95 < 300 ms)"
            )
        # The dashboard's figures are cached per store version: time it after a change too
        # (each time another issue is marked a false positive, so the figures are recomputed).
        victims = store.views.issues(limit=args.requests).rows
        times = []
        for issue in victims:
            false_positive(store, issue.id, reason="bench", actor="bench")
            t0 = time.perf_counter()
            assert browser.get("/").status_code == 200
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        p50, p95 = statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]
        print(
            f"{label}: {'dashboard after a change':24s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
            "(figures recomputed)"
        )
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {create_token(store, 'bench')}"
        t0, after, count = time.perf_counter(), 0, 0
        while True:
            page = http.get(f"{url}/api/v1/issues?limit=500&after={after}", timeout=60).json()
            count += len(page["items"])
            if page["next_after"] is None:
                break
            after = page["next_after"]
        seconds = time.perf_counter() - t0
        print(
            f"{label}: API list: {count} issues in {seconds:.1f} s = "
            f"{count / seconds:,.0f} issues/s (pages of 500)"
        )
    print(f"{label}: peak memory {peak_rss_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=1000)
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    if not (1 <= args.entities <= args.issues <= 2_000_000):
        parser.error("need 1 <= --entities <= --issues <= 2,000,000")
    if args.postgres:
        from tests.pg import Postgres  # noqa: PLC0415

        with Postgres() as server:
            bench(Store.open(server.create_database()), "PostgreSQL", args)
        return
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        bench(Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}"), "SQLite", args)


if __name__ == "__main__":
    main()
