"""Discovery overhead: ``scanner.discovery.nmap.discover`` against raw nmap with the same arguments.

Scans the three lab hosts (127.0.10.1, .2, .3) with the profile ``ports: all, udp_ports: [161]``
both ways, alternating them (ours first in odd rounds, raw first in even rounds), 3 rounds each:

- ours: ``discover(hosts, [], profile, timeout=600)`` (python-nmap: one ``nmap -V`` probe, one
  scan, python-nmap's own XML analysis, then ``parse_nmap_xml``);
- raw: ``nmap -oX - HOSTS ARGS`` through ``subprocess.run``, where ARGS is exactly
  ``nmap_arguments(profile, privileged=True, timeout=600, sweep=False)``, in the order
  python-nmap uses.

Prints the median wall time of each and their ratio (target <= 1.10). nmap's own scan time
varies by tens of percent from run to run on loopback, so it also prints the time each spent
*outside* the scan nmap reports (wall time minus ``runstats/finished/@elapsed``): the difference
of those medians is the wrapper's own overhead, free of that variance. Then the parts of it (the
``nmap -V`` probe python-nmap runs per batch, our XML parsing), and a warning for any round that
did not see every lab service (another user restarting the lab meanwhile, say).

Needs root (nmap -sS / -sU) and the lab: if ``tests/lab/lab.py`` reports it is not running, this
script starts it and stops it at the end; a lab it did not start is left running. Traffic goes
only to 127.0.10.0/24.

Usage (as root, from anywhere): ``.venv/bin/python bench/discovery_overhead.py [--rounds N]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import TypeVar

from _common import load_lab, peak_rss_mb

from scanner.core.models import HostScan
from scanner.discovery import nmap as discovery
from scanner.discovery.nmap import discover, nmap_arguments, parse_nmap_xml
from scanner.inventory.schema import Profile

HOSTS = ("127.0.10.1", "127.0.10.2", "127.0.10.3")
TIMEOUT = 600.0  # the inventory's default rate_limits.discovery_timeout
TARGET_RATIO = 1.10

Seen = frozenset[tuple[str, int, str]]
T = TypeVar("T")


def seen_services(scans: Iterable[HostScan]) -> Seen:
    """(address, port, protocol) of every service in ``scans``."""
    return frozenset((s.address, s.port, s.protocol) for h in scans for s in h.services)


def run_ours(profile: Profile) -> tuple[Seen, bytes | str]:
    """One discovery through the scanner's own code (parsing included: it is part of it).

    Also returns the XML nmap wrote, caught on its way into ``parse_nmap_xml`` (an observation
    only: the same function is called with the same argument).
    """
    caught: list[bytes | str] = []

    def catching(xml: bytes | str) -> list[HostScan]:
        caught.append(xml)
        return parse_nmap_xml(xml)

    discovery.parse_nmap_xml = catching  # run_nmap looks the name up at call time
    try:
        seen = seen_services(discover(HOSTS, [], profile, timeout=TIMEOUT).values())
    finally:
        discovery.parse_nmap_xml = parse_nmap_xml
    return seen, caught[-1] if caught else b""


def nmap_elapsed(xml: bytes | str) -> float:
    """The scan time nmap itself reports (``runstats/finished/@elapsed``, 10 ms resolution)."""
    finished = ET.fromstring(xml).find("runstats/finished")  # noqa: S314 - nmap's own output
    return float(finished.get("elapsed", "nan")) if finished is not None else float("nan")


def run_raw(argv: list[str]) -> bytes:
    """One raw nmap process; returns its XML, unparsed."""
    proc = subprocess.run(argv, capture_output=True, check=True, timeout=TIMEOUT * 1.5 + 30)
    return proc.stdout


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """Wall time of one call, and its result."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def median_of(fn: Callable[[], object], times: int) -> float:
    """Median wall time of ``times`` calls of ``fn``."""
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not 1 <= args.rounds <= 20:
        parser.error("--rounds must be 1..20")
    if os.geteuid() != 0:
        print("discovery: needs root (nmap -sS / -sU and the lab); not measured")
        return 2
    lab = load_lab()
    state = lab.start()  # idempotent: returns at once (already_running) if the lab is up
    owned = not state.already_running
    try:
        measure(lab, args.rounds, owned)
    finally:
        if owned:
            lab.stop()
            print("  (the lab was started by this benchmark and has been stopped)")
    return 0


def measure(lab: ModuleType, rounds: int, owned: bool) -> None:
    """Alternate ours and raw nmap ``rounds`` times each and print the figures."""
    profile = Profile(ports="all", udp_ports=[161])
    nmap_args = nmap_arguments(profile, privileged=True, timeout=TIMEOUT, sweep=False)
    raw_argv = ["nmap", "-oX", "-", *HOSTS, *nmap_args]
    expected = frozenset(
        (h.address, s.port, s.protocol)
        for h in lab.LAB_HOSTS.values()
        if h.address in HOSTS
        for s in h.services
    )
    ours_t: list[float] = []
    raw_t: list[float] = []
    outside: dict[str, list[float]] = {"ours": [], "raw": []}  # wall time minus nmap's own
    mismatches: list[str] = []
    xml: bytes | str = b""
    for n in range(rounds):
        order = ("ours", "raw") if n % 2 == 0 else ("raw", "ours")
        for which in order:
            if which == "ours":
                elapsed, (seen, xml) = timed(lambda: run_ours(profile))
                ours_t.append(elapsed)
            else:
                elapsed, xml = timed(lambda: run_raw(raw_argv))
                raw_t.append(elapsed)
                seen = seen_services(parse_nmap_xml(xml))
            outside[which].append(elapsed - nmap_elapsed(xml))
            missing = expected - seen
            if missing:
                mismatches.append(
                    f"round {n + 1} {which}: lab services not seen: "
                    + ", ".join(f"{a}:{p}/{t}" for a, p, t in sorted(missing))
                )
    ours, raw = statistics.median(ours_t), statistics.median(raw_t)
    print(
        f"discovery: ours median {ours:.2f} s vs raw nmap median {raw:.2f} s over {rounds} "
        f"rounds = ratio {ours / raw:.3f} (target <= {TARGET_RATIO:.2f}); peak RSS "
        f"{peak_rss_mb():.0f} MB"
    )
    print(
        f"  ours: {', '.join(f'{t:.2f}' for t in ours_t)} s; "
        f"raw: {', '.join(f'{t:.2f}' for t in raw_t)} s; "
        f"difference of medians {1000 * (ours - raw):+.0f} ms"
    )
    out_ours, out_raw = statistics.median(outside["ours"]), statistics.median(outside["raw"])
    print(
        f"  outside nmap's own scan time (wall - runstats elapsed, median): ours "
        f"{1000 * out_ours:.0f} ms, raw {1000 * out_raw:.0f} ms = wrapper overhead "
        f"{1000 * (out_ours - out_raw):+.0f} ms ({100 * (out_ours - out_raw) / raw:+.1f} % of raw)"
    )
    print(f"  arguments: {' '.join(raw_argv)}")
    probe = median_of(discovery.scanner_or_error, 5)
    parse = median_of(lambda: parse_nmap_xml(xml), 5)
    print(
        f"  overhead parts: scanner_or_error() (python-nmap runs `nmap -V`) {1000 * probe:.0f} "
        f"ms per batch; parse_nmap_xml {1000 * parse:.1f} ms for {len(xml)} bytes of XML; "
        f"lab {'started by this benchmark' if owned else 'already running'}"
    )
    for line in mismatches:
        print(f"  WARNING: {line} (was the lab restarted by someone else meanwhile?)")


if __name__ == "__main__":
    sys.exit(main())
