"""On-site audit of lab hosts against ``lynis audit system`` on the same hosts, one run each.

For each host (default: the weak on-site host, 127.0.10.5, and onsite-maxsess1, 127.0.10.7: an
sshd allowing one session per connection, ``MaxSessions 1``, and sudo asking the audit user's
password), runs ``scanner run`` with every on-site check against that host and counts the SSH
logins its sshd logged during the run (target: one), then runs ``lynis audit system --quick``
inside the same host's namespaces (``nsenter`` into the lab's anchor process: Lynis reads the same
/etc, /var/log and /home the audit read). Prints both wall times and their ratio (target: the
audit at most 0.05 of Lynis's time), with and without the CLI's start-up (imports, check
loading, store: about 2 s here), the scanner's findings, error attempts and the channels the
server refused (the session learns ``MaxSessions`` from them), and Lynis's warnings and
suggestions (counted from its report file, for scale: the two do not ask the same questions).

Each host's credential declares the privilege that host needs (``tests.lab.onsite_real``:
sudo -n on the weak host, ``sudo_password_env`` on the hardened ones, ``su_password_env`` on
onsite-su), with the lab's passwords from STATE/secrets/onsite.env.

Needs root, the lab and Lynis (``scripts/setup-debian.sh`` installs it); if the lab is not
running this script starts it and stops it at the end. Traffic goes only to the hosts named.

Usage (as root): ``.venv/bin/python bench/onsite_vs_lynis.py [--host onsite-weak ...]``
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

HOSTS = ("onsite-weak", "onsite-hardened", "onsite-maxsess1", "onsite-su")
#: The credential line each privilege needs (``tests.lab.onsite_real.ONSITE_PRIVILEGE``).
PRIVILEGE = {
    "sudo": "    sudo: true\n",
    "sudo_password": "    sudo_password_env: LAB_AUDIT_SUDO_PASSWORD\n",
    "su": "    su_password_env: LAB_ROOT_PASSWORD\n",
}


def inventory(lab: ModuleType, state: Any, host: str, tmp: Path) -> Path:
    """An inventory with the one on-site asset and a profile of every on-site check; its
    known_hosts holds the host's key (STATE/known_hosts is rewritten by every lab start)."""
    add_repo_root_to_path()
    minimal: str = importlib.import_module("tests.unit.inventory.test_schema").MINIMAL
    address = lab.LAB_HOSTS[host].address
    key = (state.state_dir / "hosts" / host / "ssh_host_ed25519_key.pub").read_text().split()
    known = tmp / f"known_hosts-{host}"
    known.write_text(f"{address} {key[0]} {key[1]}\n", encoding="utf-8")
    text = minimal.replace(
        "      - id: web\n        host: 127.0.10.1\n",
        f"      - id: host\n        onsite: {address}\n        credentials: audit\n",
    ).replace("    modes: [remote]", "    modes: [onsite]")
    text += (
        f"credentials:\n  audit:\n    username: {lab.AUDIT_USER}\n"
        f"    key_file: {state.audit_key}\n    known_hosts: {known}\n"
        + PRIVILEGE[lab.ONSITE_PRIVILEGE[host]]
    )
    path = tmp / f"onsite-{host}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def refusals(state_dir: Path, host: str) -> int:
    """Session channels the host's sshd has refused so far (its "no more sessions" lines)."""
    log = (state_dir / "logs" / f"sshd-{host}.log").read_text(errors="replace")
    return log.count("no more sessions")


def logins(state_dir: Path, host: str) -> int:
    """SSH logins the host's sshd has logged so far."""
    log = (state_dir / "logs" / f"sshd-{host}.log").read_text(errors="replace")
    return len(re.findall(r"Accepted \S+ for ", log))


def run_audit(inv: Path, db: Path, env: dict[str, str]) -> tuple[float, dict[str, object]]:
    """Wall seconds and the JSON result of one on-site run."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "scanner.cli", "run", str(inv), "--profile", "remote", "--json",
         "--db", f"sqlite:///{db}"],
        capture_output=True, text=True, check=True, timeout=600, cwd=REPO_ROOT,
        env={**os.environ, **env},
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


def bench_host(lab: ModuleType, state: Any, host: str, tmp: Path) -> None:
    """Audit ``host``, then run Lynis in it; print the figures."""
    inv = inventory(lab, state, host, tmp)
    before, refused = logins(state.state_dir, host), refusals(state.state_dir, host)
    wall, result = run_audit(inv, tmp / f"scanner-{host}.db", lab.onsite_env(state.state_dir))
    connections = logins(state.state_dir, host) - before
    refused = refusals(state.state_dir, host) - refused
    findings, errors = result["findings"], result["errors"]
    assert isinstance(findings, list) and isinstance(errors, list)
    run_seconds = result["seconds"]
    assert isinstance(run_seconds, float)
    sessions = lab.ONSITE_SESSIONS.get(host, 10)
    print(
        f"on-site audit of {host} (MaxSessions {sessions}, {lab.ONSITE_PRIVILEGE[host]}): "
        f"{wall:.2f} s wall for `scanner run` ({run_seconds:.2f} s in the run; the rest is "
        f"start-up: imports, checks, store), {connections} SSH login(s), {len(findings)} "
        f"findings, {len(errors)} error attempts, {refused} channel(s) refused by sshd"
    )
    anchor = state.process(f"anchor-{host}")
    lynis_wall, warnings, suggestions = run_lynis(anchor.pid, tmp)
    print(
        f"lynis audit system --quick in {host}: {lynis_wall:.1f} s, "
        f"{warnings} warnings, {suggestions} suggestions"
    )
    print(
        f"ratio audit/lynis on {host}: {wall / lynis_wall:.3f} with start-up, "
        f"{run_seconds / lynis_wall:.3f} for the run itself (target <= 0.05)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--host", choices=HOSTS, action="append", help="default: onsite-weak, onsite-maxsess1"
    )
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
            for host in args.host or ["onsite-weak", "onsite-maxsess1"]:
                bench_host(lab, state, host, Path(name))
    finally:
        if started:
            lab.stop()


if __name__ == "__main__":
    main()
