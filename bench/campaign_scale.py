"""Campaign scale: how each phase of a whole campaign grows with its size.

For 1,000, 5,000 and 20,000 host assets (entities of 20 assets: 50, 250 and 1,000 entities) the
same campaign runs through every phase an inspection office pays for: preflight (load and
compile), discovery (real nmap, then identification of each open port), planning, checks,
storage, reconciliation, the notices of every entity (JSON, both languages) and the campaign
summary. Each size runs in a fresh process, so its peak memory is its own; the store is SQLite.

The hosts are one asyncio server process listening on every asset's address (127.2.0.1 on):
port 8080 serves a small page naming its server version (two web findings per host), port 6379
answers PING with +PONG and INFO with a bulk reply like a Redis without a password (one finding
per host). The services answer every request the checks send as real servers do, so no check
waits out its deadline and the checks phase measures the campaign machinery. The profile runs
three checks (``web.server-version-disclosure``, ``web.nosniff-missing``,
``net.redis-no-auth``), so the benchmark measures the campaign machinery, not the checks.

It prints, per size: each phase's wall time (the run is a pipeline, so discovery and checks
overlap: each is its first start to its last end, and the run's own wall time and span of each of
its phases follow), the peak memory, the store's size, and then each
phase's growth exponent between sizes (1.0 is linear; the target is no phase above 1.1), and
whether the targets hold (peak memory under 1 GB at 20,000 assets, notices for 1,000 entities
under 60 s).

Usage: ``.venv/bin/python bench/campaign_scale.py [--sizes 1000,5000,20000]``
(as root: the server raises its open-file limit for 40,000 listening sockets).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import itertools
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import REPO_ROOT, add_repo_root_to_path, peak_rss_mb

FIRST = ipaddress.IPv4Address("127.2.0.1")
WEB, REDIS = 8080, 6379
PER_ENTITY = 20
PAGE = b"<html><head><title>Site</title></head><body><p>A campaign host.</p></body></html>"
PHASES = ("preflight", "discovery", "plan", "checks", "reconcile", "notices", "summary")


def addresses(count: int) -> list[str]:
    return [str(FIRST + i) for i in range(count)]


# -- the hosts --------------------------------------------------------------------------------


async def _web(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A web server as nginx is one: a page, 404 elsewhere, and a 400 at once to bytes that
    cannot start a request (identification's TLS ClientHello), not a wait for a request line."""
    try:
        while True:
            first = await asyncio.wait_for(reader.readexactly(1), timeout=30)
            if not first.isalpha():
                writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
                break
            head = first + await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=30)
            path = [*head.split(b" ", 2), b"", b""][1]
            status, body = (b"200 OK", PAGE) if path == b"/" else (b"404 Not Found", b"no")
            writer.write(
                b"HTTP/1.1 " + status + b"\r\nServer: Apache/2.4.41 (Ubuntu)\r\n"
                b"Content-Type: text/html\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, OSError):
        pass
    finally:
        writer.close()


INFO = b"# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\nos:Linux 6.1 x86_64\r\n"


async def _redis(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A Redis without a password, as the check sees one: PING, INFO (a bulk reply, as a real
    server's, so the check reads it by its length), an error to anything else."""
    try:
        for _ in range(16):
            head = await asyncio.wait_for(reader.readline(), timeout=30)
            if not head.startswith(b"*") or not head[1:].strip().isdigit():
                break
            words = []
            for _arg in range(int(head[1:])):
                await reader.readline()  # $length
                words.append((await reader.readline()).strip().upper())
            if words[:1] == [b"PING"]:
                writer.write(b"+PONG\r\n")
            elif words[:1] == [b"INFO"]:
                writer.write(b"$" + str(len(INFO)).encode() + b"\r\n" + INFO + b"\r\n")
            else:
                writer.write(b"-ERR unknown command\r\n")
            await writer.drain()
    except (TimeoutError, OSError, ValueError):
        pass
    finally:
        writer.close()


async def _serve(count: int) -> None:
    servers = []
    for address in addresses(count):
        servers.append(await asyncio.start_server(_web, address, WEB, backlog=64))
        servers.append(await asyncio.start_server(_redis, address, REDIS, backlog=64))
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


def raise_file_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 200_000
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# -- one size, in its own process -------------------------------------------------------------


def inventory(count: int) -> str:
    lines = [
        "campaign:",
        "  name: campaign scale benchmark",
        "  authority: benchmark",
        "  authorization: {reference: BENCH-SCALE, issued_by: bench, valid_from: 2020-01-01,",
        "                  valid_until: 2099-12-31}",
        "scope:",
        "  allow: [127.2.0.0/16]",
        "entities:",
    ]
    for index, address in enumerate(addresses(count)):
        if index % PER_ENTITY == 0:
            n = index // PER_ENTITY
            lines += [
                f"  - id: entity-{n:04d}",
                f"    name: Entity {n}",
                "    sector: energy" if n % 2 else "    sector: water",
                "    assets:",
            ]
        lines += [f"      - id: host-{index:05d}", f"        host: {address}"]
    lines += [
        "profiles:",
        "  sweep:",
        "    checks: [web.server-version-disclosure, web.nosniff-missing, net.redis-no-auth]",
        f'    ports: "{REDIS},{WEB}"',
        "rate_limits:",
        "  connections_per_second: 10000",
        "  workers: 64",
        "  check_timeout: 30",
        "  discovery_timeout: 1800",
    ]
    return "\n".join(lines) + "\n"


class _Clock:
    """Wall time spent in each phase (the run's own timings; the notices and summary here)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = dict.fromkeys(PHASES, 0.0)


def one(count: int) -> dict[str, Any]:
    """Run the campaign of ``count`` hosts in this process; its figures."""
    add_repo_root_to_path()
    from scanner.app import notices as app_notices  # noqa: PLC0415
    from scanner.app import runs as app_runs  # noqa: PLC0415
    from scanner.app.compile import compile_run  # noqa: PLC0415
    from scanner.inventory.schema import load_inventory  # noqa: PLC0415
    from scanner.store import Store  # noqa: PLC0415

    folder = Path(tempfile.mkdtemp(prefix=f"campaign-{count}-"))
    inv_path = folder / "inventory.yaml"
    inv_path.write_text(inventory(count), encoding="utf-8")
    db = folder / "scanner.db"
    store = Store.open(f"sqlite:///{db}")
    clock = _Clock()
    start = time.monotonic()
    run = compile_run(load_inventory(inv_path), "sweep")
    clock.spent["preflight"] = time.monotonic() - start
    start = time.monotonic()
    result = app_runs.start_run(run, store)
    if result.status != "completed":
        raise RuntimeError(f"the run ended {result.status}: {result.note}")
    run_seconds = time.monotonic() - start
    # The run is a pipeline: its phases overlap (checks start as each host is identified), so
    # each of ours is the wall time of its run phases together, first start to last end.
    measured = result.timings.as_json()["phases"] if result.timings is not None else {}
    phases: dict[str, Any] = measured if isinstance(measured, dict) else {}
    for ours, theirs in (
        ("discovery", ("discovery", "identification")),
        ("plan", ("planning",)),
        ("checks", ("checks", "storage")),
        ("reconcile", ("reconciliation",)),
    ):
        spans = [phases[name] for name in theirs if name in phases]
        if spans:
            end = max(float(p["end"]) for p in spans)
            clock.spent[ours] = end - min(float(p["start"]) for p in spans)
    start = time.monotonic()
    issued = app_notices.issue_run_notices(store, result.run_id, folder / "out", ["json"], ["en"])
    clock.spent["notices"] = time.monotonic() - start
    start = time.monotonic()
    app_notices.write_summary(store, result.run_id, folder / "out", ["json", "html"], ["en"])
    clock.spent["summary"] = time.monotonic() - start
    attempts = sum(result.counts.values())
    store.close()
    return {
        "assets": count,
        "entities": count // PER_ENTITY,
        "attempts": attempts,
        "counts": result.counts,
        "notices": len(issued.notices),
        "phases": clock.spent,
        "run_seconds": run_seconds,
        "timings": phases,
        "peak_mb": peak_rss_mb(),
        "store_mb": sum(p.stat().st_size for p in folder.glob("scanner.db*")) / 1e6,
    }


# -- the whole benchmark ----------------------------------------------------------------------


def exponent(small: tuple[int, float], large: tuple[int, float]) -> float:
    (n1, t1), (n2, t2) = small, large
    if t1 <= 0 or t2 <= 0:
        return float("nan")
    return math.log(t2 / t1) / math.log(n2 / n1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--serve", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--one", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        raise_file_limit()
        asyncio.run(_serve(args.serve))
        return 0
    if args.one:
        raise_file_limit()  # nmap and the checks hold many sockets too
        print(json.dumps(one(args.one)), flush=True)
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(max(sizes))], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        if server.stdout.readline().strip() != "ready":
            raise RuntimeError("the host server did not start")
        figures = []
        for size in sizes:
            proc = subprocess.run(
                [sys.executable, __file__, "--one", str(size)],
                cwd=REPO_ROOT,
                capture_output=True,
                text=True,
                timeout=7200,
                check=False,
            )
            if proc.returncode != 0:
                raise RuntimeError(f"size {size} failed: {proc.stderr[-3000:]}")
            figures.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            f = figures[-1]
            print(
                f"{size:>6} assets, {f['entities']:>5} entities, {f['attempts']:>6} attempts: "
                + ", ".join(f"{p} {f['phases'][p]:.1f} s" for p in PHASES)
                + f"; peak {f['peak_mb']:.0f} MB; store {f['store_mb']:.1f} MB",
                flush=True,
            )
            busy = ", ".join(
                f"{name} {p['start']:.1f}->{p['end']:.1f} s ({p['busy']:.1f} s busy)"
                for name, p in f["timings"].items()
            )
            print(
                f"        the run: {f['run_seconds']:.1f} s wall, "
                f"{f['attempts'] / max(f['run_seconds'], 1e-9):.0f} attempts/s; {busy}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("growth exponent of each phase (1.0 = linear):")
    for a, b in itertools.pairwise(figures):
        row = {
            p: exponent((a["assets"], a["phases"][p]), (b["assets"], b["phases"][p]))
            for p in PHASES
        }
        print(
            f"  {a['assets']} -> {b['assets']}: "
            + ", ".join(f"{p} {e:.2f}" for p, e in row.items())
        )
    last = figures[-1]
    print(
        f"targets: peak memory at {last['assets']} assets {last['peak_mb']:.0f} MB (< 1024); "
        f"notices for {last['entities']} entities {last['phases']['notices']:.1f} s (< 60)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
