"""Engine overhead: how many (asset, check) attempts per second the executor sustains by itself.

Measures ``scanner.engine.executor.Executor`` running 10,000 jobs of a check that does nothing
(it never connects, yields no finding: every attempt is a ``pass``), over 100 fake hosts with
distinct 127.x addresses, under the default limits (16 workers, 4 per host). Two modes, each in
its own
process so peak memory does not mix:

- ``nostore``: attempts are only counted by the ``on_attempts`` callback;
- ``store``: attempts are recorded in a real SQLite ``scanner.store.Store`` (temp dir) through
  ``on_attempts``, as ``scanner.engine.jobs.execute_jobs`` does. Opening the store (migrations)
  is not timed; the time spent inside ``record_attempts`` is reported separately.

Target: >= 5,000 attempts/s and < 150 MB peak RSS, in both modes.

Usage: ``.venv/bin/python bench/engine_overhead.py [--attempts N] [--hosts N] [--mode MODE]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from _common import current_rss_mb, peak_rss_mb

from scanner.core.models import AssetKind, Attempt, Finding, Service, ServiceTarget, Severity
from scanner.engine.check import AppliesTo, Check
from scanner.engine.context import CheckContext, RunServices
from scanner.engine.executor import Executor, Limits
from scanner.engine.plan import Job
from scanner.engine.registry import LoadedCheck
from scanner.scope.guard import ScopeGuard
from scanner.store import Store
from scanner.transport.ratelimit import TokenBucket

TARGET_RATE = 5_000.0
TARGET_RSS_MB = 150.0


class NoopCheck(Check):
    """Does nothing: every attempt is a pass."""

    id = "bench.noop"
    title = "Benchmark no-op check"
    family = "bench"
    severity = Severity.LOW
    applies_to = AppliesTo(services=("bench",))
    remediation = "Nothing to remediate: this check only measures the engine."

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        """Yield nothing."""
        return iter(())


def make_jobs(attempts: int, hosts: int) -> list[Job]:
    """``attempts`` jobs spread round-robin over ``hosts`` fake hosts, each with a unique key."""
    loaded = LoadedCheck(
        cls=NoopCheck,
        meta=NoopCheck.meta("A no-op check used by bench/engine_overhead.py."),
        origin="bench",
        module=__name__,
    )
    jobs = []
    for n in range(attempts):
        h = n % hosts
        address = f"127.{20 + h // 250}.{h % 250}.1"
        port = 1 + n // hosts  # unique location per host, so every attempt key is unique
        service = Service(address=address, port=port, protocol="tcp", name="bench")
        target = ServiceTarget(
            entity_id="bench-entity",
            asset_id=f"host-{h}",
            kind=AssetKind.HOST,
            address=address,
            service=service,
        )
        jobs.append(Job(loaded, target))
    return jobs


def measure(mode: str, attempts: int, hosts: int) -> None:
    """Run the jobs once in this process and print one figure line."""
    jobs = make_jobs(attempts, hosts)
    services = RunServices(guard=ScopeGuard(["127.0.0.0/8"]), bucket=TokenBucket(1000.0))
    limits = Limits()
    counted = 0
    batches = 0
    in_store = 0.0
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}") if mode == "store" else None
        run_id = (
            store.runs.create("bench", "bench", "bench.yaml", "0" * 64, "bench") if store else 0
        )
        rss_before = current_rss_mb()

        def on_attempts(batch: Sequence[Attempt]) -> None:
            nonlocal counted, batches, in_store
            counted += len(batch)
            batches += 1
            if store is not None:
                t0 = time.perf_counter()
                store.attempts.record(run_id, batch)
                in_store += time.perf_counter() - t0

        start = time.perf_counter()
        Executor(services, limits).execute(jobs, on_attempts)
        elapsed = time.perf_counter() - start
        stored = len(store.attempts.keys(run_id)) if store else 0
        if store is not None:
            store.close()
    services.close()
    rate = counted / elapsed
    label = "engine+store" if mode == "store" else "engine"
    print(
        f"{label}: {counted} attempts in {elapsed:.2f} s = {rate:.0f} attempts/s; "
        f"peak RSS {peak_rss_mb():.0f} MB (target >= {TARGET_RATE:.0f}/s, "
        f"< {TARGET_RSS_MB:.0f} MB)"
    )
    detail = (
        f"  {batches} batches (mean {counted / max(batches, 1):.0f} attempts); "
        f"RSS before execute {rss_before:.0f} MB; workers {limits.workers}, "
        f"per host {limits.per_host}, {hosts} hosts"
    )
    if store is not None:
        detail += (
            f"; {in_store:.2f} s ({100 * in_store / elapsed:.0f} %) inside "
            f"Store.record_attempts = {counted / max(in_store, 1e-9):.0f} attempts/s written; "
            f"{stored} attempts in the store"
        )
    print(detail)
    if counted != attempts or (store is not None and stored != attempts):
        print(f"  WARNING: expected {attempts} attempts, got {counted} (stored {stored})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--mode", choices=("nostore", "store", "both"), default="both")
    args = parser.parse_args()
    if not 1 <= args.hosts <= 10_000 or not 1 <= args.attempts <= 1_000_000:
        parser.error("--hosts must be 1..10000 and --attempts 1..1000000")
    if args.mode != "both":
        measure(args.mode, args.attempts, args.hosts)
        return
    for mode in ("nostore", "store"):  # one process per mode: peaks must not mix
        argv = [
            sys.executable,
            __file__,
            "--mode",
            mode,
            "--attempts",
            str(args.attempts),
            "--hosts",
            str(args.hosts),
        ]
        subprocess.run(argv, check=True, timeout=600)


if __name__ == "__main__":
    main()
