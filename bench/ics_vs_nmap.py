"""The industrial-protocol checks against nmap's NSE scripts for the same protocols, in one run.

On the lab's ot-plant host (S7comm, IEC 104, EtherNet/IP, BACnet/IP, plus DNP3 and OPC UA that
nmap has no identification script for) and the ot host (Modbus), it runs

- ours: ``scanner run`` of a campaign with those two hosts and the industrial checks (discovery
  of exactly these ports with nmap, identification, the checks), once as an internal asset and
  once as an ot asset (the ot limit: 2 connections a second, one check at a time);
- nmap: ``nmap -sS -sU -p T:102,502,2404,44818,U:47808 --script s7-info,iec-identify,
  bacnet-info,enip-info,modbus-discover`` on the same hosts;

and prints the wall times, their ratio, and per protocol the identity each one found (vendor,
product, firmware) and whether they agree. No timing is asserted: the figures are printed.

Needs root and the lab: if it is not running this script starts it and stops it at the end.
Traffic goes only to 127.0.10.3 and 127.0.10.30.

Usage (as root): ``.venv/bin/python bench/ics_vs_nmap.py``
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from _common import REPO_ROOT, load_lab

PLANT, MODBUS = "127.0.10.30", "127.0.10.3"
TCP, UDP = "102,502,2404,44818,20000,4840", "47808"
SCRIPTS = "s7-info,iec-identify,bacnet-info,enip-info,modbus-discover"
CHECKS = (
    "net.s7-exposed, net.iec104-exposed, net.dnp3-exposed, net.bacnet-exposed, "
    "net.enip-exposed, net.opcua-exposed, net.opcua-anonymous, net.modbus-exposed"
)
INVENTORY = """\
campaign:
  name: ics benchmark
  authority: bench
  authorization: {{reference: BENCH-1, issued_by: bench, valid_from: 2026-01-01,
                  valid_until: 2030-12-31}}
scope:
  allow: [127.0.10.0/24]
entities:
  - id: plant
    name: Plant
    sector: energy
    assets:
      - {{id: plant, host: {plant}, exposure: {exposure}}}
      - {{id: modbus, host: {modbus}, exposure: {exposure}}}
profiles:
  ics:
    modes: [remote]
    families: []
    checks: [{checks}]
    ports: "{tcp}"
    ot_ports: "{tcp}"
    udp_ports: [{udp}]
"""


def run_ours(workdir: Path, exposure: str) -> tuple[float, dict[str, Any], float]:
    """Wall seconds of ``scanner run`` (interpreter start included), its JSON result, and the
    summed durations of the industrial checks' attempts (from the run's store)."""
    inventory = workdir / f"ics-{exposure}.yaml"
    inventory.write_text(
        INVENTORY.format(
            plant=PLANT, modbus=MODBUS, exposure=exposure, checks=CHECKS, tcp=TCP, udp=UDP
        ),
        encoding="utf-8",
    )
    db = f"sqlite:///{workdir / f'ics-{exposure}.db'}"
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "scanner.cli", "run", str(inventory), "--profile", "ics",
         "--json", "--db", db],
        capture_output=True, text=True, check=False, timeout=600, cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"scanner run failed ({proc.returncode}): {proc.stderr[-2000:]}")
    with sqlite3.connect(workdir / f"ics-{exposure}.db") as conn:
        wanted = tuple(c.strip() for c in CHECKS.split(","))
        rows = conn.execute("SELECT check_id, duration FROM attempts").fetchall()
    checks_time = sum(d for c, d in rows if c in wanted)
    return elapsed, json.loads(proc.stdout), checks_time


def run_nmap(workdir: Path) -> tuple[float, dict[str, dict[str, str]]]:
    xml = workdir / "nmap.xml"
    start = time.perf_counter()
    subprocess.run(
        ["nmap", "-Pn", "-n", "-sS", "-sU", "-p", f"T:{TCP},U:{UDP}", "--script", SCRIPTS,
         "-oX", str(xml), PLANT, MODBUS],
        capture_output=True, text=True, check=True, timeout=600,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    found: dict[str, dict[str, str]] = {}
    for script in ET.parse(xml).getroot().iter("script"):  # noqa: S314 - nmap's own output
        fields = {(e.get("key") or "").strip(): (e.text or "").strip() for e in script.iter("elem")}
        if not any(fields.values()):  # older scripts print lines only
            for line in (script.get("output") or "").splitlines():
                key, _, value = line.strip().partition(":")
                if value:
                    fields[key.strip()] = value.strip()
        found[script.get("id", "")] = fields
    return elapsed, found


def ours_by_protocol(result: dict[str, Any]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for f in result["findings"]:
        device = (f.get("detail") or {}).get("device") or {}
        protocol = device.get("protocol") or f["check_id"]
        known = found.setdefault(protocol, {})
        for key in ("vendor", "product", "version", "stations"):
            if device.get(key) and not known.get(key):
                known[key] = device[key]
    return found


def nmap_identity(script: str, fields: dict[str, str]) -> dict[str, str]:
    """The identity fields of one NSE script's output, named as ours."""
    pick = {
        "s7-info": {"product": "Module", "version": "Version"},
        "enip-info": {"vendor": "vendor", "product": "productName", "version": "revision"},
        "bacnet-info": {"vendor": "Vendor Name", "product": "Model Name", "version": "Firmware"},
        "iec-identify": {"stations": "ASDU address"},
        "modbus-discover": {"product": "Device identification"},
    }[script]
    return {ours: fields.get(theirs, "") for ours, theirs in pick.items()}


PROTOCOLS = {"s7": "s7-info", "iec104": "iec-identify", "bacnet": "bacnet-info",
             "enip": "enip-info", "modbus": "modbus-discover"}  # fmt: skip


def main() -> int:
    if os.geteuid() != 0:
        print("needs root (nmap -sS -sU and the lab)")
        return 2
    lab = load_lab()
    state = lab.start(python=sys.executable)
    try:
        with tempfile.TemporaryDirectory(prefix="ics-bench-") as tmp:
            work = Path(tmp)
            ours_time, ours, ours_checks = run_ours(work, "internal")
            ot_time, ot, ot_checks = run_ours(work, "ot")
            nmap_time, theirs = run_nmap(work)
    finally:
        if not state.already_running:
            lab.stop()
    mine = ours_by_protocol(ours)
    run_s, ot_run_s = float(ours["seconds"]), float(ot["seconds"])
    print(
        f"ours, internal assets: {ours_time:6.2f} s wall ({run_s:.2f} s the run itself: "
        f"discovery, identification, checks, store; {ours_checks:.2f} s in the checks), "
        f"{len(ours['findings'])} findings"
    )
    print(
        f"ours, ot assets (2 connections/s, one check at a time): {ot_time:6.2f} s wall "
        f"({ot_run_s:.2f} s the run, {ot_checks:.2f} s in the checks)"
    )
    print(f"nmap  ({SCRIPTS}): {nmap_time:6.2f} s")
    print(
        f"ratio ours/nmap: {run_s / nmap_time:.2f} (the run, internal), "
        f"{ot_run_s / nmap_time:.2f} (the run, ot), {ours_time / nmap_time:.2f} (wall, "
        "with the interpreter's start)"
    )
    print()
    print(f"{'protocol':9} {'same':5} ours / nmap")
    same_count = 0
    for protocol, script in PROTOCOLS.items():
        ours_id = mine.get(protocol, {})
        nmap_id = nmap_identity(script, theirs.get(script, {}))
        keys = [k for k, v in nmap_id.items() if v] or list(nmap_id)
        same = all(
            ours_id.get(k, "").lower() in nmap_id[k].lower() and ours_id.get(k) for k in keys
        ) and any(nmap_id.values())
        same_count += same
        print(f"{protocol:9} {'yes' if same else 'no':5} {ours_id} / {nmap_id}")
    for protocol in ("dnp3", "opcua"):
        print(f"{protocol:9} {'-':5} {mine.get(protocol, {})} / (no nmap identification script)")
    print(f"\nsame identity found: {same_count} of {len(PROTOCOLS)} protocols nmap identifies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
