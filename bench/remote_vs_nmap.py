"""Remote inspection of the whole lab against ``nmap -sV -sC`` on the same hosts, in one run.

Runs ``scanner run targets.example.yaml --profile remote`` (discovery of all TCP ports plus UDP
161, the scanner's own service identification, every remote check) and, on the same lab hosts
and the ports the scanner found open, ``nmap -sV -sC`` (version detection plus default scripts:
what an inspector would otherwise run). Prints the wall time and peak memory of the scanner, the
time of nmap, their ratio (target: the scanner in under 10 s and at most 0.1 of nmap's time),
and the number of confirmed findings (the scanner's) against nmap's script outputs that flag a
weakness (``ftp-anon``, ``redis-info`` answering, ``sshv1``...; counted loosely: nmap reports
facts, an inspector has to read them).

Needs root and the lab: if it is not running this script starts it and stops it at the end.
Traffic goes only to 127.0.10.0/24. nmap -sV -sC takes minutes here (slow probes for telnet and
Modbus); ``--nmap-timeout`` caps it (default 900 s) and a capped run is printed as a lower bound.

Usage (as root): ``.venv/bin/python bench/remote_vs_nmap.py``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from _common import REPO_ROOT, load_lab

HOSTS = ("127.0.10.1", "127.0.10.2", "127.0.10.3")
SCRIPT_FLAGS = (
    "ftp-anon",
    "redis-info",
    "sshv1",
    "snmp-info",
    "mqtt-subscribe",
    "modbus-discover",
    "telnet-encryption",
    "ssh2-enum-algos",
)


def run_scanner(db: Path) -> tuple[float, float, dict[str, object]]:
    """Wall seconds, child peak RSS (MB) and the JSON result of one remote-profile run."""
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scanner.cli",
            "run",
            "targets.example.yaml",
            "--profile",
            "remote",
            "--json",
            "--db",
            f"sqlite:///{db}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        cwd=REPO_ROOT,
        # the example's hardened on-site host names the lab's sudo password (validated first)
        env={**os.environ, **load_lab().onsite_env(REPO_ROOT / "tests" / "lab" / ".run")},
    )
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, peak, json.loads(proc.stdout)


def open_ports(db: Path) -> tuple[str, str]:
    """The TCP and UDP ports the scanner found open, for nmap's -p."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT DISTINCT port, protocol FROM services").fetchall()
    tcp = ",".join(sorted({str(p) for p, proto in rows if proto == "tcp"}, key=int))
    udp = ",".join(sorted({str(p) for p, proto in rows if proto == "udp"}, key=int))
    return tcp, udp


def run_nmap(tcp: str, udp: str, timeout: float) -> tuple[float, int, bool]:
    """Wall seconds of nmap -sV -sC, scripts that reported something, and whether it was cut."""
    ports = f"T:{tcp}" + (f",U:{udp}" if udp else "")
    argv = ["nmap", "-n", "-Pn", "-sS", "-sV", "-sC", "-oX", "-", "-p", ports]
    argv += ["-sU"] if udp else []
    argv += list(HOSTS)
    start = time.perf_counter()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - start, 0, True
    wall = time.perf_counter() - start
    root = ET.fromstring(proc.stdout)  # noqa: S314 - nmap's own output
    flagged = sum(1 for s in root.iter("script") if s.get("id") in SCRIPT_FLAGS)
    return wall, flagged, False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nmap-timeout", type=float, default=900.0)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root (nmap -sS / -sU, and the lab)")
    lab = load_lab()
    started = not lab.is_running()
    if started:
        lab.start(python=sys.executable)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-remote-") as tmp:
            db = Path(tmp) / "scanner.db"
            wall, peak, result = run_scanner(db)
            findings = result["findings"]
            assert isinstance(findings, list)
            print(
                f"scanner remote profile: {wall:.2f} s wall, peak RSS {peak:.0f} MB, "
                f"{len(findings)} confirmed findings (target < 10 s)"
            )
            tcp, udp = open_ports(db)
            nmap_wall, flagged, cut = run_nmap(tcp, udp, args.nmap_timeout)
            bound = ">= " if cut else ""
            print(
                f"nmap -sV -sC on the same ports: {bound}{nmap_wall:.1f} s, {flagged} script "
                f"results that point at a weakness{' (cut at the timeout)' if cut else ''}"
            )
            print(
                f"ratio scanner/nmap: {'<= ' if cut else ''}{wall / nmap_wall:.3f} (target <= 0.1)"
            )
    finally:
        if started:
            lab.stop()


if __name__ == "__main__":
    main()
