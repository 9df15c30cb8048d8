"""Scheduler start-time jitter: how long after each due time ``scanner schedule run`` starts it.

Runs a real scheduler process (``scanner schedule run --max-runs N``) on a fresh SQLite store
with one small scheduled profile against the lab's weak host (``net.redis-no-auth`` on
127.0.10.1:6379, a run of about a second) due every 3 seconds (``*/3 * * * * *``), then reads
``schedule_events``: jitter = ``started_at - due_at`` of each run (the moment the scheduler
hands the due time to the runner, after taking the profile's lock and claiming the due time).
Prints min / median / p95 / max over 20 runs (``--runs N``), and any due time that was not
started (a run that overran the next due time is late by design and is counted apart).

Needs root and the lab: if ``tests/lab/lab.py`` reports it is not running, this script starts
it and stops it at the end; a lab it did not start is left running. Traffic goes only to
127.0.10.1.

Usage (as root): ``.venv/bin/python bench/schedule_jitter.py [--runs N]``
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO_ROOT, load_lab

INVENTORY = """\
campaign:
  name: jitter
  authority: bench
  authorization: {reference: BENCH-1, issued_by: bench, valid_from: 2026-01-01,
                  valid_until: 2030-12-31}
scope:
  allow: [127.0.10.1]
entities:
  - id: ent
    name: Bench entity
    sector: other
    assets:
      - id: weak
        host: 127.0.10.1
profiles:
  tick:
    checks: [net.redis-no-auth]
    ports: "6379"
    schedule:
      cron: "*/3 * * * * *"
rate_limits:
  check_timeout: 5
"""


def measure(runs: int) -> int:
    """Run the scheduler for ``runs`` runs and print the jitter figures."""
    with tempfile.TemporaryDirectory(prefix="schedule-jitter-") as tmp:
        inventory = Path(tmp) / "inv.yaml"
        inventory.write_text(INVENTORY, encoding="utf-8")
        db = Path(tmp) / "scanner.db"
        start = time.monotonic()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "scanner.cli",
                "schedule",
                "run",
                "--inventory",
                str(inventory),
                "--db",
                f"sqlite:///{db}",
                "--max-runs",
                str(runs),
            ],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=runs * 30 + 60,
            check=False,
        )
        wall = time.monotonic() - start
        if proc.returncode != 0:
            print(f"schedule jitter: the scheduler failed (exit {proc.returncode}):")
            print(proc.stderr[-2000:])
            return 1
        with sqlite3.connect(db) as conn:
            events = conn.execute(
                "SELECT due_at, started_at, outcome, note FROM schedule_events ORDER BY due_at"
            ).fetchall()
    started = [(due, at) for due, at, _, _ in events if at is not None]
    late = [e for e in events if e[3]]  # caught up or missed: a note says why
    jitter_ms = sorted((at - due) * 1000 for due, at in started if not _noted(events, due))
    if not jitter_ms:
        print("schedule jitter: no on-time run to measure")
        return 1
    p95 = jitter_ms[min(len(jitter_ms) - 1, round(0.95 * (len(jitter_ms) - 1)))]
    print(
        f"schedule jitter over {len(jitter_ms)} on-time runs (due every 3 s; {wall:.0f} s wall): "
        f"min {jitter_ms[0]:.1f} ms, median {statistics.median(jitter_ms):.1f} ms, "
        f"p95 {p95:.1f} ms, max {jitter_ms[-1]:.1f} ms"
    )
    if late:
        print(f"  {len(late)} due times caught up late or missed (a run overran the next one)")
    return 0


def _noted(events: list[tuple[float, float | None, str, str]], due: float) -> bool:
    return any(e[0] == due and e[3] for e in events)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    if not 2 <= args.runs <= 200:
        parser.error("--runs must be 2..200")
    if os.geteuid() != 0:
        print("schedule jitter: needs root (the lab and nmap); not measured")
        return 2
    lab = load_lab()
    state = lab.start()  # idempotent: returns at once (already_running) if the lab is up
    owned = not state.already_running
    try:
        return measure(args.runs)
    finally:
        if owned:
            lab.stop()
            print("  (the lab was started by this benchmark and has been stopped)")


if __name__ == "__main__":
    sys.exit(main())
