"""Reconciliation: a run of 100,000 findings against a store of 1,000,000 issues, on SQLite.

Builds the store directly with bulk SQL (not timed): 1,000,000 open issues from an earlier run,
then a new run whose 100,000 attempts carry 100,000 findings: 50,000 of them already known
issues (still open), 50,000 new; and 50,000 passing attempts on the targets of other known issues
(fixed). Times
``scanner.tracking.issues.reconcile`` on that run and reports its peak memory, with the
counts it produced so the figures can be checked.

Target: under 10 s and under 500 MB.

Usage: ``.venv/bin/python bench/reconcile.py [--issues N] [--findings N]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import peak_rss_mb
from sqlalchemy import insert

from scanner.core.models import fingerprint
from scanner.store import Store
from scanner.store.tables import attempts, findings, issues
from scanner.tracking.issues import reconcile

BATCH = 50_000


def build(store: Store, n_issues: int, n_findings: int) -> int:
    """The store described in the module docstring; returns the run to reconcile."""
    old = store.runs.create("bench", "remote", "bench.yaml", "0" * 64, "bench")
    new = store.runs.create("bench", "remote", "bench.yaml", "0" * 64, "bench")
    now = time.time()
    with store.engine.begin() as conn:
        for start in range(0, n_issues, BATCH):
            conn.execute(
                insert(issues),
                [
                    {
                        "fingerprint": fingerprint("e", f"a{i}", "net.x", "1/tcp"),
                        "entity_id": "e",
                        "asset_id": f"a{i}",
                        "check_id": "net.x",
                        "location": "1/tcp",
                        "target_location": "1/tcp",
                        "severity": "high",
                        "state": "open",
                        "evidence": "x",
                        "first_seen_run": old,
                        "last_seen_run": old,
                        "first_seen_at": now,
                        "last_seen_at": now,
                    }
                    for i in range(start, min(start + BATCH, n_issues))
                ],
            )
        half = n_findings // 2
        # Attempts: findings for a0..a(half-1) (known) and b0..b(half-1) (new); passes for the
        # next `half` known issues (fixed).
        rows = [("a", i, "fail") for i in range(half)] + [("b", i, "fail") for i in range(half)]
        rows += [("a", half + i, "pass") for i in range(half)]
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            ids = (
                conn.execute(
                    insert(attempts).returning(attempts.c.id, sort_by_parameter_order=True),
                    [
                        {
                            "run_id": new,
                            "key": fingerprint("e", f"{p}{i}", "net.x", "1/tcp"),
                            "check_id": "net.x",
                            "entity_id": "e",
                            "asset_id": f"{p}{i}",
                            "location": "1/tcp",
                            "status": status,
                            "reason": "",
                            "error_reason": None,
                            "traceback": "",
                            "started_at": now,
                            "duration": 0.0,
                        }
                        for p, i, status in chunk
                    ],
                )
                .scalars()
                .all()
            )
            found = [
                {
                    "run_id": new,
                    "attempt_id": attempt_id,
                    "fingerprint": fingerprint("e", f"{p}{i}", "net.x", "1/tcp"),
                    "check_id": "net.x",
                    "entity_id": "e",
                    "asset_id": f"{p}{i}",
                    "location": "1/tcp",
                    "severity": "high",
                    "evidence": "y",
                    "detail": {},
                }
                for (p, i, status), attempt_id in zip(chunk, ids, strict=True)
                if status == "fail"
            ]
            if found:
                conn.execute(insert(findings), found)
    return new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=1_000_000)
    parser.add_argument("--findings", type=int, default=100_000)
    args = parser.parse_args()
    if not (1000 <= args.issues <= 5_000_000 and 2 <= args.findings <= args.issues):
        parser.error("--issues 1000..5000000, --findings 2..issues")
    with tempfile.TemporaryDirectory(prefix="bench-reconcile-") as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
        t0 = time.perf_counter()
        run_id = build(store, args.issues, args.findings)
        built = time.perf_counter() - t0
        before = peak_rss_mb()
        t0 = time.perf_counter()
        report = reconcile(store, run_id)
        seconds = time.perf_counter() - t0
        print(
            f"reconcile: {args.findings} findings against {args.issues} issues in {seconds:.2f} s;"
            f" peak RSS {peak_rss_mb():.0f} MB (before: {before:.0f} MB; store built in "
            f"{built:.0f} s) (target < 10 s, < 500 MB)"
        )
        print(f"  {report.line()}")


if __name__ == "__main__":
    main()
