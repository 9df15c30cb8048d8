"""The full profile over the demo lab against raw nmap's port scan of the same hosts, in one run.

Each round runs, in alternating order:

- raw nmap: the very nmap commands the scanner's discovery runs for ``targets.example.yaml``'s
  profile ``full`` (``scanner.discovery.nmap.nmap_arguments``: all TCP ports plus UDP 161 for the
  hosts, the OT-safe options for the ot host), run the way discovery runs them (side by side,
  ``discovery.nmap.PARALLEL`` at most), through ``subprocess``, output to ``-oX -``;
- discovery alone: ``scanner.app.runs.discover_only`` (the scanner's nmap batches and its
  identification of each port as nmap finds it, nothing else running, nothing stored);
- the scanner: ``scanner run targets.example.yaml --profile full --json`` in a process of its own
  (a fresh SQLite store), its wall time and the ``timings`` object of its JSON.

It prints, per round and as medians: raw nmap's wall time; discovery + identification alone
against it (what identification adds: target <= +20 %); inside the full run, the discovery and
identification phases (discovery start to the later of both ends) and how long identification
ran on after nmap; the run's own time (first plan to the end of
reconciliation) and the whole process's, each against raw nmap (target: the run within 2x).

Needs root (nmap -sS / -sU) and the running lab (``tests/lab/lab.py start``; this benchmark never
starts or stops it: the lab is shared). Traffic goes only to 127.0.10.0/24.

Usage (as root): ``.venv/bin/python bench/pipeline.py [--rounds N]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _common import REPO_ROOT, load_lab

from scanner.app.compile import compile_run
from scanner.app.runs import discover_only
from scanner.core.models import AssetKind
from scanner.discovery import nmap as discovery
from scanner.engine.jobs import run_services
from scanner.engine.refusals import RefusalLog
from scanner.inventory.schema import load_inventory

INVENTORY = REPO_ROOT / "targets.example.yaml"
PROFILE = "full"


def nmap_commands() -> list[list[str]]:
    """The nmap command lines discovery runs for the demo inventory's full profile."""
    run = compile_run(load_inventory(INVENTORY), PROFILE)
    hosts = sorted(
        {
            a
            for key, addrs in run.addresses.items()
            if run.kinds[key] in (AssetKind.HOST, AssetKind.ONSITE)
            for a in addrs
        }
    )
    ot = {a for key in run.ot_assets for a in run.addresses.get(key, ())}
    limits = run.inv.model.rate_limits
    commands = []
    for is_ot in (False, True):
        group = [h for h in hosts if (h in ot) == is_ot]
        if group:
            args = discovery.nmap_arguments(
                run.profile,
                privileged=True,
                timeout=limits.discovery_timeout,
                sweep=False,
                ot_rate=limits.ot_packets_per_second if is_ot else None,
            )
            commands.append(["nmap", "-oX", "-", *group, *args])
    return commands


def run_raw(commands: list[list[str]]) -> float:
    """Wall seconds of the nmap commands, side by side as discovery runs them."""
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, min(discovery.PARALLEL, len(commands)))) as pool:
        list(
            pool.map(
                lambda argv: subprocess.run(argv, capture_output=True, check=True, timeout=600),
                commands,
            )
        )
    return time.perf_counter() - start


def run_discovery() -> float:
    """Wall seconds of the scanner's discovery and identification alone (no checks running
    beside them): ``scanner.app.runs.discover_only`` over the same inventory and profile."""
    inv = load_inventory(INVENTORY)
    run = compile_run(inv, PROFILE)
    services = run_services(inv, {}, RefusalLog())
    start = time.perf_counter()
    try:
        discover_only(run, services)
    finally:
        services.close()
    return time.perf_counter() - start


def run_scanner(db: Path) -> tuple[float, dict[str, object]]:
    """Wall seconds of one ``scanner run --profile full --json`` process, and its JSON."""
    start = time.perf_counter()
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "scanner.cli", "run", str(INVENTORY)),
            *("--profile", PROFILE, "--json", "--db", f"sqlite:///{db}"),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
        cwd=REPO_ROOT,
    )
    return time.perf_counter() - start, json.loads(proc.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not 1 <= args.rounds <= 10:
        parser.error("--rounds must be 1..10")
    if os.geteuid() != 0:
        print("pipeline: needs root (nmap -sS / -sU); not measured")
        return 2
    lab = load_lab()
    if not lab.is_running():
        print("pipeline: the lab is not running (tests/lab/lab.py start); not measured")
        return 2
    # the demo's hardened host asks for the sudo password, as `make demo` exports it
    os.environ.update(lab.onsite_env(lab.DEFAULT_STATE_DIR))
    commands = nmap_commands()
    rows: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        for n in range(args.rounds):
            row: dict[str, float] = {}
            order = ("raw", "alone", "scanner") if n % 2 == 0 else ("scanner", "alone", "raw")
            for which in order:
                if which == "raw":
                    row["raw"] = run_raw(commands)
                    continue
                if which == "alone":
                    row["alone"] = run_discovery()
                    continue
                wall, result = run_scanner(Path(tmp) / f"round{n}.db")
                timings = result["timings"]
                assert isinstance(timings, dict)
                phases = timings["phases"]
                disc, ident = phases["discovery"], phases["identification"]
                row["process"] = wall
                row["run"] = float(str(result["seconds"]))
                row["nmap"] = disc["seconds"]
                row["found"] = max(disc["end"], ident["end"]) - disc["start"]
                row["ident_after"] = max(0.0, ident["end"] - disc["end"])
                row["startup"] = phases["start-up"]["seconds"]
            rows.append(row)
            print(
                f"round {n + 1}: raw nmap {row['raw']:.2f} s; discovery + identification alone "
                f"{row['alone']:.2f} s; in the full run: discovery (nmap) "
                f"{row['nmap']:.2f} s, + identification to {row['found']:.2f} s "
                f"({row['ident_after']:.2f} s after nmap); full run {row['run']:.2f} s "
                f"(process {row['process']:.2f} s, of which start-up {row['startup']:.2f} s)",
                flush=True,
            )
    med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    print(f"nmap commands ({len(commands)}, side by side):")
    for argv in commands:
        print("  " + " ".join(argv))
    print(
        f"medians over {args.rounds} rounds: raw nmap {med['raw']:.2f} s; the scanner's "
        f"discovery + identification alone {med['alone']:.2f} s = "
        f"{med['alone'] / med['raw']:.2f}x raw nmap (identification and the wrapper add "
        f"{100 * (med['alone'] / med['raw'] - 1):+.0f} %, target <= +20 %)"
    )
    print(
        f"  inside the full run (checks running beside it): discovery + identification "
        f"{med['found']:.2f} s = {med['found'] / med['raw']:.2f}x raw nmap, identification "
        f"ending {med['ident_after']:.2f} s after nmap"
    )
    print(
        f"  full profile: run {med['run']:.2f} s = {med['run'] / med['raw']:.2f}x raw nmap "
        f"(target <= 2x); whole process {med['process']:.2f} s = "
        f"{med['process'] / med['raw']:.2f}x (start-up {med['startup']:.2f} s included)"
    )
    print(f"  load average now: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
