"""Run every benchmark, each in its own process (so peak memory figures do not mix), and print
all their figures. Benchmarks print figures; none of them asserts a timing.

- ``engine_overhead.py``: attempts/s through the executor, with and without the SQLite store
  (target >= 5,000 attempts/s, < 150 MB);
- ``store_write.py``: findings/s written by ``Store.record_attempts`` (target >= 20,000/s);
- ``discovery_overhead.py``: our discovery vs raw nmap on the lab hosts (target ratio <= 1.10;
  needs root, starts and stops the lab if it is not already running);
- ``render.py``: notices for 200 entities x 50 items: HTML for all (target < 5 s) and PDF per
  notice (target < 2 s);
- ``reconcile.py``: 100,000 findings reconciled against 1,000,000 issues (target < 10 s);
- ``tls_vs_testssl.py``: the TLS checks vs ``testssl.sh --fast`` on the lab endpoints (ratio
  target <= 0.05; installs testssl.sh with apt if missing; takes minutes);
- ``pipeline.py``: the full profile over the lab vs raw nmap's scan of the same hosts, in one run,
  with discovery + identification against raw nmap (targets: the run within 2x, identification
  adding at most 20 %; needs root and the running lab, never starts or stops it);
- ``remote_vs_nmap.py``: the remote profile over the lab vs ``nmap -sV -sC`` on the same ports
  (target < 10 s and a ratio <= 0.1; nmap takes minutes);
- ``ics_vs_nmap.py``: the industrial-protocol checks vs nmap's ``s7-info``, ``iec-identify``,
  ``bacnet-info``, ``enip-info`` and ``modbus-discover`` on the lab's ot hosts: both times, their
  ratio, and whether both found the same device identities;
- ``onsite_vs_lynis.py``: the on-site audit of the weak lab host, and of onsite-maxsess1
  (``MaxSessions 1``, sudo with a password), vs ``lynis audit system --quick`` in the same host
  (ratio target <= 0.05, one SSH login each; Lynis takes one to two minutes per host);
- ``schedule_jitter.py``: start delay of ``scanner schedule run`` over 20 due times (3 s apart);
- ``startup.py``: ``scanner --help``, ``--version`` and ``validate`` in fresh interpreters (target
  < 0.5 s each);
- ``scaleout.py``: 1,000 web sites on 127.1.x addresses, 1 local process vs 1/2/4 Celery workers
  (Redis, PostgreSQL); prints the ratios;
- ``web_pages.py``: the web application with 1,000 entities and 100,000 issues: p50/p95 of the
  dashboard, issue list, issue and notice pages (target p95 < 300 ms), API list throughput.

Usage: ``.venv/bin/python bench/run_all.py [--skip NAME ...]``; the exit status is non-zero only
when a benchmark failed to run, never because a target was missed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = (
    "engine_overhead",
    "store_write",
    "discovery_overhead",
    "pipeline",
    "reconcile",
    "render",
    "tls_vs_testssl",
    "web_requests",
    "remote_vs_nmap",
    "ics_vs_nmap",
    "onsite_vs_lynis",
    "schedule_jitter",
    "startup",
    "scaleout",
    "web_pages",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip", action="append", default=[], choices=BENCHMARKS)
    args = parser.parse_args()
    failed = []
    for name in BENCHMARKS:
        if name in args.skip:
            continue
        print(f"== {name}", flush=True)
        start = time.monotonic()
        try:
            argv = [sys.executable, str(HERE / f"{name}.py")]
            proc = subprocess.run(argv, check=False, timeout=1800)
        except subprocess.TimeoutExpired:
            print(f"   {name}: did not finish within 1800 s")
            failed.append(name)
            continue
        if proc.returncode != 0:
            failed.append(name)
        print(f"   ({name} took {time.monotonic() - start:.0f} s, exit {proc.returncode})")
    if failed:
        print(f"failed to run: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
