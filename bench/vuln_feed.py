"""Vulnerability feeds: importing an NVD-sized feed, and matching installed packages against OSV.

1. Import: writes a synthetic NVD CVE JSON 2.0 file of ``--cves`` CVEs (default 300,000, the
   size of all of NVD), each with a CVSS 3.1 metric, an English description and a configuration
   of two CPE matches (a version range and an exact version) over 5,000 products (one in ten an
   ``AND`` configuration with a platform node, Windows 10 or 11), then imports
   it into a fresh SQLite store with ``scanner.app.feeds.import_feeds`` (the code ``scanner feed
   import`` runs) in a child process, and reports the import's time and that process's peak
   memory. Targets: under 60 s and under 500 MB.
2. Match: imports a synthetic Debian OSV export (a zip of ``--advisories`` records over 5,000
   source packages, Debian 12 and 11), then matches ``--packages`` installed packages (default
   2,000) on each of ``--hosts`` hosts (default 100) with ``Matcher.packages`` (what
   ``host.vulnerable-package`` calls), one matcher for the run as the engine makes it: once for
   a fleet (each package in one of 3 builds across the hosts, as hosts of one release patched
   at different times are) and once with a different random version on every host (the worst
   case for the caches). Target: under 5 s for all hosts.

Wall and CPU time are both printed: on a shared machine the CPU time is the comparable figure.

Usage: ``.venv/bin/python bench/vuln_feed.py [--cves N] [--advisories N] [--hosts N]
[--packages N]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from _common import peak_rss_mb

from scanner.app.feeds import import_feeds
from scanner.store import Store
from scanner.vulns import versions
from scanner.vulns.match import Installed, Matcher

IMPORT_TARGET_S, IMPORT_TARGET_MB, MATCH_TARGET_S = 60.0, 500.0, 5.0
PRODUCTS = 5000
FLEET_BUILDS = 3
#: Every PLATFORM_EVERY-th CVE is an AND configuration: vulnerable only on Windows 10 or 11
#: (NVD has thousands of those; the import keeps the platform node with each range).
PLATFORM_EVERY = 10
PLATFORM_NODE = [
    {
        "operator": "OR",
        "negate": False,
        "cpeMatch": [
            {
                "vulnerable": False,
                "criteria": f"cpe:2.3:o:microsoft:{name}:-:*:*:*:*:*:*:*",
                "matchCriteriaId": f"00000000-0000-4000-8000-00000000000{n}",
            }
            for n, name in enumerate(("windows_10", "windows_11"))
        ],
    }
]


def write_nvd(path: Path, count: int) -> None:
    """A synthetic NVD CVE JSON 2.0 file, written as a stream."""
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as out:
        head = {
            "resultsPerPage": count,
            "startIndex": 0,
            "totalResults": count,
            "format": "NVD_CVE",
            "version": "2.0",
            "timestamp": "2026-12-01T00:00:00.000",
        }
        out.write(json.dumps(head)[:-1] + ', "vulnerabilities": [')
        for n in range(count):
            product = f"product{n % PRODUCTS}"
            major = rng.randint(1, 9)
            score = round(rng.uniform(2, 10), 1)
            item = {
                "cve": {
                    "id": f"CVE-{2000 + n // 20000}-{10000 + n}",
                    "sourceIdentifier": "bench@example.org",
                    "published": "2024-01-01T00:00:00.000",
                    "lastModified": "2024-01-02T00:00:00.000",
                    "vulnStatus": "Analyzed",
                    "descriptions": [
                        {"lang": "en", "value": f"A synthetic flaw number {n} in {product}."}
                    ],
                    "metrics": {
                        "cvssMetricV31": [
                            {
                                "source": "nvd@nist.gov",
                                "type": "Primary",
                                "cvssData": {
                                    "version": "3.1",
                                    "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                                    "baseScore": score,
                                    "baseSeverity": "HIGH",
                                },
                                "exploitabilityScore": 3.9,
                                "impactScore": 5.9,
                            }
                        ]
                    },
                    "configurations": [
                        {
                            **({"operator": "AND"} if n % PLATFORM_EVERY == 0 else {}),
                            "nodes": [
                                {
                                    "operator": "OR",
                                    "negate": False,
                                    "cpeMatch": [
                                        {
                                            "vulnerable": True,
                                            "criteria": f"cpe:2.3:a:vendor{n % 900}:{product}"
                                            ":*:*:*:*:*:*:*:*",
                                            "versionStartIncluding": f"{major}.0",
                                            "versionEndExcluding": f"{major}.{rng.randint(1, 20)}",
                                            "matchCriteriaId": f"{n:08d}-0000-4000-8000-0",
                                        },
                                        {
                                            "vulnerable": True,
                                            "criteria": f"cpe:2.3:a:vendor{n % 900}:{product}"
                                            f":{major}.{rng.randint(0, 9)}:*:*:*:*:*:*:*",
                                            "matchCriteriaId": f"{n:08d}-0000-4000-8000-1",
                                        },
                                    ],
                                },
                                *(PLATFORM_NODE if n % PLATFORM_EVERY == 0 else []),
                            ],
                        }
                    ],
                    "references": [{"url": "https://example.org/", "source": "bench"}],
                }
            }
            out.write(("," if n else "") + json.dumps(item))
        out.write("]}")


def write_osv_zip(path: Path, count: int) -> None:
    """A synthetic Debian OSV export: ``count`` advisories over PRODUCTS source packages."""
    rng = random.Random(11)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(count):
            package = f"pkg{n % PRODUCTS}"
            affected = [
                {
                    "package": {"ecosystem": release, "name": package},
                    "ranges": [
                        {
                            "type": "ECOSYSTEM",
                            "events": [
                                {"introduced": "0"},
                                {"fixed": f"1:{rng.randint(1, 5)}.{rng.randint(0, 9)}-{n % 7}"},
                            ],
                        }
                    ],
                }
                for release in ("Debian:12", "Debian:11")
            ]
            record = {
                "schema_version": "1.6.0",
                "id": f"DSA-{10000 + n}-1",
                "modified": "2026-12-01T00:00:00Z",
                "upstream": [f"CVE-2024-{10000 + n}"],
                "summary": f"{package} - security update",
                "affected": affected,
            }
            archive.writestr(f"DSA-{10000 + n}-1.json", json.dumps(record))


def make_hosts(count: int, packages: int, *, fleet: bool) -> list[list[Installed]]:
    """``count`` hosts with ``packages`` installed packages each, half of them with advisories.
    A ``fleet`` runs one of FLEET_BUILDS builds of each package (hosts of one release, patched
    at different times); otherwise every host has its own random version of each."""
    rng = random.Random(3)

    def version() -> str:
        return f"1:{rng.randint(1, 5)}.{rng.randint(0, 9)}-{rng.randint(0, 6)}"

    builds = {p: [version() for _ in range(FLEET_BUILDS)] for p in range(PRODUCTS * 2)}
    return [
        [
            Installed(f"pkg{p}-bin", rng.choice(builds[p]) if fleet else version(), f"pkg{p}")
            for p in rng.sample(range(PRODUCTS * 2), packages)
        ]
        for _ in range(count)
    ]


def import_child(feed: Path, db: Path) -> None:
    """Run in a child process: import ``feed``, print seconds and peak MB as JSON."""
    store = Store.open(f"sqlite:///{db}")  # migrations before the clock starts
    started, cpu = time.perf_counter(), time.process_time()
    [row] = import_feeds(store, [feed])
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - started,
                "cpu": time.process_time() - cpu,
                "peak_mb": peak_rss_mb(),
                "rows": row.entries,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cves", type=int, default=300_000)
    parser.add_argument("--advisories", type=int, default=20_000)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--packages", type=int, default=2000)
    parser.add_argument("--child", nargs=2, metavar=("FEED", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import_child(Path(args.child[0]), Path(args.child[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        nvd = folder / "nvdcve-2.0-synthetic.json"
        started = time.perf_counter()
        write_nvd(nvd, args.cves)
        print(
            f"synthetic NVD feed: {args.cves} CVEs, {nvd.stat().st_size / 1e6:.0f} MB "
            f"(written in {time.perf_counter() - started:.1f} s)"
        )
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(nvd), str(folder / "nvd.db")],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"import: {result['rows']} CVEs in {result['seconds']:.1f} s "
            f"({result['cpu']:.1f} s of CPU; target < {IMPORT_TARGET_S:g} s); "
            f"peak memory {result['peak_mb']:.0f} MB (target < {IMPORT_TARGET_MB:g} MB); "
            f"load average {os.getloadavg()[0]:.1f}"
        )

        osv = folder / "all.zip"
        write_osv_zip(osv, args.advisories)
        store = Store.open(f"sqlite:///{folder / 'osv.db'}")
        import_feeds(store, [osv])
        for fleet in (True, False):
            hosts = make_hosts(args.hosts, args.packages, fleet=fleet)
            versions.parse.cache_clear()
            versions.affected.cache_clear()
            started, cpu = time.perf_counter(), time.process_time()
            matcher = Matcher(store.feeds)  # one per run, as the engine makes it
            found = sum(len(matcher.packages("Debian:12", host)) for host in hosts)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            kind = (
                f"a fleet's {FLEET_BUILDS} builds of each package"
                if fleet
                else "a different random version of each package on every host (worst case)"
            )
            print(
                f"match ({kind}): {args.hosts} hosts x {args.packages} packages against "
                f"{args.advisories} advisories in {seconds:.2f} s ({cpu:.2f} s of CPU; target < "
                f"{MATCH_TARGET_S:g} s); {found} vulnerable packages found"
            )


if __name__ == "__main__":
    main()
