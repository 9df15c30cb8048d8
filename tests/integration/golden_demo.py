"""The demo inventory's full profile against the lab, reduced to what must never change by
accident: each finding's fingerprint and severity, and each attempt's status.

``python -m tests.integration.golden_demo record`` writes
``tests/integration/golden/demo_full.json`` from a fresh run; ``test_golden_demo.py`` compares a
fresh run with it. The golden file was recorded before the architecture move (issue 12), so
the move provably changed no check, finding or fingerprint.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from scanner.store import Store
from tests.lab import lab

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "integration" / "golden" / "demo_full.json"
#: Ports of listeners this machine runs on every 127.x address (LAB-NOTES): not the lab's, so
#: their findings and attempts vary from machine to machine and are left out.
LAB_PORT_SUFFIXES = ("/tcp", "/udp")


def _machine_listener(location: str, lab_ports: set[str]) -> bool:
    port = location.rsplit(":", 1)[-1] if location.count(":") == 1 else location
    return port.endswith(LAB_PORT_SUFFIXES) and port not in lab_ports


def observe(db_url: str) -> dict[str, Any]:
    """Run the demo inventory's full profile into ``db_url`` and reduce the result."""
    lab_ports = {f"{s.port}/{s.protocol}" for h in lab.LAB_HOSTS.values() for s in h.services}
    feeds = sorted(str(p) for p in (REPO / "tests" / "data" / "feeds").glob("*.json"))
    imported = subprocess.run(  # as `make demo` does: the lab's sample feeds
        [sys.executable, "-m", "scanner.cli", "feed", "import", "--db", db_url, *feeds],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=REPO,
    )
    if imported.returncode != 0:
        raise AssertionError(f"scanner feed import failed: {imported.stderr}")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scanner.cli",
            "run",
            "targets.example.yaml",
            "--profile",
            "full",
            "--json",
            "--db",
            db_url,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        cwd=REPO,
        # the demo's hardened host asks for the sudo password (STATE/secrets/onsite.env)
        env={**os.environ, **lab.onsite_env(lab.DEFAULT_STATE_DIR)},
    )
    if proc.returncode != 0:
        raise AssertionError(f"scanner run failed ({proc.returncode}): {proc.stderr}")
    result = json.loads(proc.stdout)
    findings = sorted(
        [
            f["entity_id"],
            f["asset_id"],
            f["check_id"],
            f["location"],
            f["fingerprint"],
            f["severity"],
        ]
        for f in result["findings"]
        if not _foreign(f["check_id"], f["location"], lab_ports)
    )
    store = Store.open(db_url)
    attempts = sorted(
        [a.entity_id, a.asset_id, a.check_id, a.location, a.status]
        for a in store.attempts.of_run(result["run"])
        if not _foreign(a.check_id, a.location, lab_ports)
    )
    return {"status": result["status"], "findings": findings, "attempts": attempts}


def _foreign(check_id: str, location: str, lab_ports: set[str]) -> bool:
    """A result about this machine's own listeners rather than the lab's."""
    return _machine_listener(location, lab_ports)


def main() -> None:
    if sys.argv[1:] != ["record"]:
        raise SystemExit("usage: python -m tests.integration.golden_demo record")
    with tempfile.TemporaryDirectory() as tmp:
        observed = observe(f"sqlite:///{tmp}/scanner.db")
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text(json.dumps(observed, indent=1) + "\n", encoding="utf-8")
    print(f"{GOLDEN}: {len(observed['findings'])} findings, {len(observed['attempts'])} attempts")


if __name__ == "__main__":
    main()
