"""On-site audit of one lab host against ``lynis audit system`` on the same host, in one run.

Runs ``scanner run`` with the host checks (every on-site check) against the weak on-site lab
host (127.0.10.5, its own /etc in a mount namespace) and counts the SSH logins its sshd logged
during the run (target: one), then runs ``lynis audit system --quick`` inside the same host's
namespaces (``nsenter`` into the lab's anchor process: Lynis reads the same /etc, /var/log and
/home the audit read). Prints both wall times and their ratio (target: the audit at most 0.05
of Lynis's time), with and without the CLI's start-up (imports, check loading, store: about
2 s here), the scanner's findings and Lynis's warnings and suggestions (counted from its
report file, for scale: the two do not ask the same questions).

Needs root, the lab and Lynis (``scripts/setup-debian.sh`` installs it); if the lab is not
running this script starts it and stops it at the end. Traffic goes only to 127.0.10.5.

Usage (as root): ``.venv/bin/python bench/onsite_vs_lynis.py [--host onsite-weak]``
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from _common import REPO_ROOT, add_repo_root_to_path, load_lab

ASSETS = {"onsite-weak": ("weak", "127.0.10.5"), "onsite-hardened": ("hardened", "127.0.10.6")}


def inventory(lab: ModuleType, state: Any, host: str, tmp: Path) -> Path:
    """An inventory with the one on-site asset and a profile of every on-site check."""
    add_repo_root_to_path()
    minimal: str = importlib.import_module("tests.unit.inventory.test_schema").MINIMAL
    asset, address = ASSETS[host]
    text = minimal.replace(
        "      - id: web\n        host: 127.0.10.1\n",
        f"      - id: {asset}\n        onsite: {address}\n        credentials: audit\n",
    ).replace("    modes: [remote]", "    modes: [onsite]")
    text += (
        f"credentials:\n  audit:\n    username: {lab.AUDIT_USER}\n"
        f"    key_file: {state.audit_key}\n    known_hosts: {state.known_hosts}\n"
        "    sudo: true\n"
    )
    path = tmp / "onsite.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def logins(state_dir: Path, host: str) -> int:
    """SSH logins the host's sshd has logged so far."""
    log = (state_dir / "logs" / f"sshd-{host}.log").read_text(errors="replace")
    return len(re.findall(r"Accepted \S+ for ", log))


def run_audit(inv: Path, db: Path) -> tuple[float, dict[str, object]]:
    """Wall seconds and the JSON result of one on-site run."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "scanner.cli", "run", str(inv), "--profile", "remote", "--json",
         "--db", f"sqlite:///{db}"],
        capture_output=True, text=True, check=True, timeout=600, cwd=REPO_ROOT,
    )  # fmt: skip
    return time.perf_counter() - start, json.loads(proc.stdout)


def run_lynis(anchor_pid: int, tmp: Path) -> tuple[float, int, int]:
    """Wall seconds, warnings and suggestions of ``lynis audit system --quick`` in the host."""
    report = tmp / "lynis-report.dat"
    start = time.perf_counter()
    subprocess.run(
        ["nsenter", "-t", str(anchor_pid), "-m", "-u", "--", "lynis", "audit", "system",
         "--quick", "--no-colors", "--logfile", str(tmp / "lynis.log"),
         "--report-file", str(report)],
        capture_output=True, text=True, check=True, timeout=1800,
    )  # fmt: skip
    wall = time.perf_counter() - start
    text = report.read_text(errors="replace") if report.exists() else ""
    return wall, text.count("warning[]="), text.count("suggestion[]=")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", choices=sorted(ASSETS), default="onsite-weak")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root (the lab and nsenter)")
    if shutil.which("lynis") is None:
        sys.exit("lynis is not installed: run scripts/setup-debian.sh (it installs lynis)")
    lab = load_lab()
    started = not lab.is_running()
    if started:
        lab.start(python=sys.executable)
    try:
        state = lab.load_state()
        assert state is not None
        with tempfile.TemporaryDirectory(prefix="bench-onsite-") as name:
            tmp = Path(name)
            inv = inventory(lab, state, args.host, tmp)
            before = logins(state.state_dir, args.host)
            wall, result = run_audit(inv, tmp / "scanner.db")
            connections = logins(state.state_dir, args.host) - before
            findings = result["findings"]
            assert isinstance(findings, list)
            run_seconds = result["seconds"]
            assert isinstance(run_seconds, float)
            print(
                f"on-site audit of {args.host}: {wall:.2f} s wall for `scanner run` "
                f"({run_seconds:.2f} s in the run; the rest is start-up: imports, checks, store), "
                f"{connections} SSH login(s), {len(findings)} findings"
            )
            anchor = state.process(f"anchor-{args.host}")
            lynis_wall, warnings, suggestions = run_lynis(anchor.pid, tmp)
            print(
                f"lynis audit system --quick in the same host: {lynis_wall:.1f} s, "
                f"{warnings} warnings, {suggestions} suggestions"
            )
            print(
                f"ratio audit/lynis: {wall / lynis_wall:.3f} with start-up, "
                f"{run_seconds / lynis_wall:.3f} for the run itself (target <= 0.05)"
            )
    finally:
        if started:
            lab.stop()


if __name__ == "__main__":
    main()
