"""Scale-out: wall time of one web inspection of 1,000 simulated sites, run by one local
process (threads, SQLite: the embedded default) vs 1, 2 and 4 ``scanner worker`` processes
(a Redis broker, a PostgreSQL store).

The sites are one server process (asyncio, HTTP/1.1 keep-alive) listening on 1,000 loopback
addresses, 127.1.0.1 to 127.1.3.232, port 8080: ``/`` is a small page without security headers,
every other path a 404. The generated inventory declares each site as a URL asset (10 entities
of 100) and runs the ``web`` family on them, with the rate limit at its maximum so that the
machine, not the limit, is measured. redis-server and PostgreSQL are started here on free
loopback ports (tests/pg.py) and stopped at the end, like the workers, by PID.

Each configuration is timed from the ``scanner run`` command's start to its exit (preflight,
planning, dispatch, the wait, reconciliation): the time an inspector waits. Workers are started
and ready before the clock starts. Each worker takes ``--concurrency 4`` assets at once (each
asset at most ``per_host`` = 4 checks at once), so every configuration can run 16 checks at
once per process, like the local run's 16 threads. Every run must produce the same findings.

The machine's core count bounds what more processes can give: on 2 cores, 4 workers share them
with the server, redis, PostgreSQL and the coordinator.

Usage: ``.venv/bin/python bench/scaleout.py [--assets 1000] [--workers 1,2,4]``
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import REPO_ROOT, add_repo_root_to_path

PORT = 8080
FIRST = ipaddress.IPv4Address("127.1.0.1")
PAGE = b"<html><head><title>Site</title></head><body><p>A simulated site.</p></body></html>"


def addresses(count: int) -> list[str]:
    """``count`` loopback addresses from 127.1.0.1 on."""
    return [str(FIRST + i) for i in range(count)]


# -- the simulated sites ------------------------------------------------------------------------


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=30)
            method, path = [*head.split(b" ", 2), b"", b""][:2]
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    await reader.readexactly(int(line.split(b":")[1]))
            if method == b"TRACE":
                status, body = b"405 Method Not Allowed", b""
            elif path in (b"/", b"/index.html"):
                status, body = b"200 OK", PAGE
            else:
                status, body = b"404 Not Found", b"not found"
            writer.write(
                b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html\r\n"
                b"Content-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + (b"" if method == b"HEAD" else body)
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, OSError):
        pass
    finally:
        writer.close()


async def _serve(count: int) -> None:
    servers = [
        await asyncio.start_server(_handle, address, PORT, backlog=256)
        for address in addresses(count)
    ]
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


# -- the runs ---------------------------------------------------------------------------------


def inventory(count: int) -> str:
    """An inventory of ``count`` URL assets, 100 per entity, and a web profile."""
    lines = [
        "campaign:",
        "  name: scale-out benchmark",
        "  authority: benchmark",
        "  authorization: {reference: BENCH-1, issued_by: bench, valid_from: 2020-01-01,",
        "                  valid_until: 2099-12-31}",
        "scope:",
        "  allow: [127.1.0.0/16]",
        "entities:",
    ]
    for index, address in enumerate(addresses(count)):
        if index % 100 == 0:
            lines += [
                f"  - id: entity-{index // 100:02d}",
                f"    name: Entity {index // 100}",
                "    sector: energy",
                "    assets:",
            ]
        lines += [f"      - id: site-{index:04d}", f"        url: http://{address}:{PORT}/"]
    lines += [
        "profiles:",
        "  web:",
        "    families: [web]",
        "rate_limits:",
        "  connections_per_second: 10000",
        "  check_timeout: 20",
    ]
    return "\n".join(lines) + "\n"


#: The coordinator and the workers sign and check tasks with one shared key (docs/scale-out.md).
TASK_KEY = secrets.token_hex(32)


def scanner(*args: str, **kwargs: Any) -> subprocess.Popen[str]:
    env = {**os.environ, "SCANNER_TASK_KEY": TASK_KEY}
    return subprocess.Popen(
        [sys.executable, "-m", "scanner.cli", *args], cwd=REPO_ROOT, text=True, env=env, **kwargs
    )


def timed_run(inv: Path, db: str, broker: str | None) -> tuple[float, dict[str, Any]]:
    args = ["run", str(inv), "--profile", "web", "--json", "--db", db]
    if broker:
        args += ["--broker", broker, "--wait-timeout", "1800"]
    start = time.monotonic()
    proc = scanner(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = proc.communicate(timeout=3600)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError(f"scanner run failed ({proc.returncode}): {stderr[-2000:]}")
    return wall, json.loads(stdout)


def start_workers(count: int, broker: str, db: str, folder: Path) -> list[subprocess.Popen[str]]:
    procs = []
    logs = [folder / f"worker-{i}.log" for i in range(count)]
    for i, log in enumerate(logs):
        with log.open("w") as out:
            procs.append(
                scanner(
                    "worker", "--broker", broker, "--db", db, "--concurrency", "4",
                    "--name", f"bench{i}@scaleout", stdout=out, stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
    deadline = time.monotonic() + 120
    while not all("ready." in log.read_text(errors="replace") for log in logs):
        if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
            stop(procs)
            raise RuntimeError(f"workers did not start: {logs[0].read_text()[-2000:]}")
        time.sleep(0.2)
    return procs


def stop(procs: list[subprocess.Popen[str]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=1000)
    parser.add_argument("--workers", default="1,2,4", help="worker counts to time, e.g. 2,4")
    parser.add_argument("--serve", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(args.serve))
        return 0
    add_repo_root_to_path()
    from tests.pg import Postgres, Redis  # noqa: PLC0415 - needs the repository root on the path

    folder = Path(tempfile.mkdtemp(prefix="scaleout-"))
    inv = folder / "inventory.yaml"
    inv.write_text(inventory(args.assets), encoding="utf-8")
    site = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(args.assets)], stdout=subprocess.PIPE, text=True
    )
    results: list[tuple[str, float, dict[str, Any]]] = []
    try:
        if site.stdout is None or site.stdout.readline().strip() != "ready":
            raise RuntimeError("the simulated sites did not start")
        print(f"{args.assets} web sites on {addresses(1)[0]}..{addresses(args.assets)[-1]}:{PORT}")
        wall, result = timed_run(inv, f"sqlite:///{folder / 'local.db'}", None)
        results.append(("1 local process (threads, SQLite)", wall, result))
        print(f"  {results[-1][0]}: {wall:.1f} s", flush=True)
        with Postgres() as pg, Redis() as redis:
            for count in (int(n) for n in args.workers.split(",")):
                db = pg.create_database(f"workers{count}")
                procs = start_workers(count, redis.url, db, folder)
                try:
                    wall, result = timed_run(inv, db, redis.url)
                finally:
                    stop(procs)
                label = f"{count} worker{'s' if count > 1 else ''} (Redis, PostgreSQL)"
                results.append((label, wall, result))
                print(f"  {label}: {wall:.1f} s", flush=True)
    finally:
        os.kill(site.pid, signal.SIGTERM)
        site.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
    base = results[0][1]
    reference = sorted(f["fingerprint"] for f in results[0][2]["findings"])
    print(f"\ncores: {os.cpu_count()}; attempts per run: {sum(results[0][2]['attempts'].values())}")
    for label, wall, result in results:
        same = sorted(f["fingerprint"] for f in result["findings"]) == reference
        print(
            f"  {label:38} {wall:7.1f} s  ratio to local {wall / base:5.2f}  "
            f"({len(result['findings'])} findings{'' if same else ', DIFFERENT from local'})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
