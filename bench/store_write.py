"""Store write throughput: findings per second written to SQLite by ``Store.record_attempts``.

Builds 10,000 ``fail`` attempts with 5 findings each (distinct fingerprints, ~150 characters of
evidence and a small ``detail`` dict), then times writing them to a fresh SQLite store in a temp
dir in batches of 500 attempts (2,500 findings), the largest batch the engine delivers. Building
the records and opening the store (migrations) are not timed.

It measures ``scanner.store.Store.record_attempts``, the code the runner uses.

Target: >= 20,000 findings/s.

Usage: ``.venv/bin/python bench/store_write.py [--attempts N] [--findings N] [--batch N]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import peak_rss_mb
from sqlalchemy import func, select

from scanner.core.models import Attempt, AttemptStatus, Finding, Severity
from scanner.store import Store
from scanner.store.tables import findings as findings_table

TARGET_FINDINGS_PER_S = 20_000.0


def make_attempts(count: int, per_attempt: int) -> list[Attempt]:
    """``count`` failed attempts over 100 assets, each with ``per_attempt`` distinct findings."""
    out = []
    for n in range(count):
        asset = f"host-{n % 100}"
        check_id = f"bench.check-{n // 100 % 50}"
        location = f"{1 + n // 5000}/tcp"
        found = tuple(
            Finding(
                check_id=check_id,
                entity_id="bench-entity",
                asset_id=asset,
                location=f"{location}#{k}",
                severity=Severity.MEDIUM,
                evidence=f"banner {n}/{k}: Server: ExampleHTTPd/2.4.{k} (weak TLS 1.0 offered) "
                + "x" * 80,
                detail={"port": 1 + n // 5000, "index": k, "offered": ["TLSv1", "TLSv1.1"]},
            )
            for k in range(per_attempt)
        )
        out.append(
            Attempt(
                check_id=check_id,
                entity_id="bench-entity",
                asset_id=asset,
                location=location,
                status=AttemptStatus.FAIL,
                started_at=time.time(),
                duration=0.01,
                findings=found,
            )
        )
    return out


def measure(count: int, per_attempt: int, batch_size: int) -> None:
    """Write the attempts once in this process and print one figure line."""
    batch = make_attempts(count, per_attempt)
    total_findings = count * per_attempt
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
        run_id = store.runs.create("bench", "bench", "bench.yaml", "0" * 64, "bench")
        worst = 0.0
        start = time.perf_counter()
        for i in range(0, count, batch_size):
            t0 = time.perf_counter()
            store.attempts.record(run_id, batch[i : i + batch_size])
            worst = max(worst, time.perf_counter() - t0)
        elapsed = time.perf_counter() - start
        with store.engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(findings_table)).scalar_one()
        size_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / (1024 * 1024)
        store.close()
    print(
        f"store: {total_findings} findings ({count} attempts) in {elapsed:.2f} s = "
        f"{total_findings / elapsed:.0f} findings/s, {count / elapsed:.0f} attempts/s; "
        f"peak RSS {peak_rss_mb():.0f} MB (target >= {TARGET_FINDINGS_PER_S:.0f} findings/s)"
    )
    print(
        f"  batches of {batch_size} attempts ({batch_size * per_attempt} findings): slowest "
        f"{worst * 1000:.0f} ms; {stored} findings stored; database files {size_mb:.1f} MB"
    )
    if stored != total_findings:
        print(f"  WARNING: expected {total_findings} findings in the store, found {stored}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--findings", type=int, default=5, help="findings per attempt")
    parser.add_argument("--batch", type=int, default=500, help="attempts per batch")
    args = parser.parse_args()
    if not (
        1 <= args.attempts <= 500_000 and 1 <= args.findings <= 100 and 1 <= args.batch <= 10_000
    ):
        parser.error("--attempts 1..500000, --findings 1..100, --batch 1..10000")
    measure(args.attempts, args.findings, args.batch)


if __name__ == "__main__":
    main()
