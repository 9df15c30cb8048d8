"""Store write throughput: findings per second written to SQLite by ``Store.record_attempts``.

Builds 10,000 ``fail`` attempts with 5 findings each (distinct fingerprints, ~150 characters of
evidence and a small ``detail`` dict), then times writing them to a fresh SQLite store in a temp
dir in batches of 500 attempts (2,500 findings), the largest batch the engine delivers. Building
the records and opening the store (migrations) are not timed.

Two modes, each in its own process so peak memory does not mix:

- ``store``: ``scanner.store.Store.record_attempts``, the code the runner uses;
- ``prototype``: for comparison only, a bench-local write of the same rows that builds each
  statement once per batch (attempts by one executemany ``INSERT .. RETURNING id`` in parameter
  order, then the findings by one executemany). It is not scanner code; it shows what the
  suggested change to ``Store.record_attempts`` would gain.

Target: >= 20,000 findings/s (store mode).

Usage: ``.venv/bin/python bench/store_write.py [--attempts N] [--findings N] [--batch N]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from _common import peak_rss_mb
from sqlalchemy import func, insert, select

from scanner.models import Attempt, AttemptStatus, Finding, Severity
from scanner.store import Store
from scanner.store.tables import attempts as attempts_table
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


def prototype_record(store: Store, run_id: int, batch: Sequence[Attempt]) -> None:
    """The same rows as ``Store.record_attempts``, each statement built once per batch."""
    if not batch:
        return
    rows = [
        {
            "run_id": run_id,
            "key": a.key,
            "check_id": a.check_id,
            "entity_id": a.entity_id,
            "asset_id": a.asset_id,
            "location": a.location,
            "status": a.status.value,
            "reason": a.reason,
            "error_reason": a.error_reason.value if a.error_reason else None,
            "traceback": a.traceback,
            "started_at": a.started_at,
            "duration": a.duration,
        }
        for a in batch
    ]
    stmt = insert(attempts_table).returning(attempts_table.c.id, sort_by_parameter_order=True)
    with store.engine.begin() as conn:
        ids = list(conn.execute(stmt, rows).scalars())
        finding_rows = []
        for attempt_id, attempt in zip(ids, batch, strict=True):
            seen: dict[str, Finding] = {}
            for f in attempt.findings:
                seen.setdefault(f.fingerprint, f)
            finding_rows += [
                {
                    "run_id": run_id,
                    "attempt_id": attempt_id,
                    "fingerprint": fp,
                    "check_id": f.check_id,
                    "entity_id": f.entity_id,
                    "asset_id": f.asset_id,
                    "location": f.location,
                    "severity": f.severity.value,
                    "evidence": f.evidence,
                    "detail": f.detail,
                }
                for fp, f in seen.items()
            ]
        if finding_rows:
            conn.execute(insert(findings_table), finding_rows)


def measure(mode: str, count: int, per_attempt: int, batch_size: int) -> None:
    """Write the attempts once in this process and print one figure line."""
    batch = make_attempts(count, per_attempt)
    total_findings = count * per_attempt
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
        run_id = store.create_run("bench", "bench", "bench.yaml", "0" * 64, "bench")
        worst = 0.0
        start = time.perf_counter()
        for i in range(0, count, batch_size):
            t0 = time.perf_counter()
            if mode == "store":
                store.record_attempts(run_id, batch[i : i + batch_size])
            else:
                prototype_record(store, run_id, batch[i : i + batch_size])
            worst = max(worst, time.perf_counter() - t0)
        elapsed = time.perf_counter() - start
        with store.engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(findings_table)).scalar_one()
        size_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / (1024 * 1024)
        store.close()
    label = "store" if mode == "store" else "store (bench prototype, not scanner code)"
    print(
        f"{label}: {total_findings} findings ({count} attempts) in {elapsed:.2f} s = "
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
    parser.add_argument("--mode", choices=("store", "prototype", "both"), default="both")
    args = parser.parse_args()
    if not (
        1 <= args.attempts <= 500_000 and 1 <= args.findings <= 100 and 1 <= args.batch <= 10_000
    ):
        parser.error("--attempts 1..500000, --findings 1..100, --batch 1..10000")
    if args.mode != "both":
        measure(args.mode, args.attempts, args.findings, args.batch)
        return
    for mode in ("store", "prototype"):  # one process per mode: peaks must not mix
        argv = [
            sys.executable,
            __file__,
            "--mode",
            mode,
            "--attempts",
            str(args.attempts),
            "--findings",
            str(args.findings),
            "--batch",
            str(args.batch),
        ]
        subprocess.run(argv, check=True, timeout=900)


if __name__ == "__main__":
    main()
