"""The test feeds (tests/data/feeds), written in the real formats: OSV records modelled on
Debian's DSA-5724-1 (OpenSSH CVE-2024-6387, fixed in Debian 12 by backport at
1:9.2p1-2+deb12u3) and Rocky Linux's RLSA-2024:4312, a fictional LAB-2026-0001 whose fix lies
above every real Debian 12 build of openssh, an NVD CVE JSON 2.0 file with CPE configurations,
a KEV catalogue naming the fictional CVE-2099-0001, and (``announced/``) the feeds of the
announcements other services make: NVD's vsftpd 3.0.3 entry and two fictional Debian 12 mariadb
advisories (LAB-2026-0003 fixed below every Debian 12 build, LAB-2026-0002 above)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from scanner.app.feeds import import_feeds
from scanner.store import Store

FEEDS = Path(__file__).parents[2] / "data" / "feeds"
DSA = FEEDS / "DSA-5724-1.json"
LAB = FEEDS / "LAB-2026-0001.json"
ROCKY = FEEDS / "RLSA-2024-4312.json"
NVD = FEEDS / "nvdcve-2.0-sample.json"
KEV = FEEDS / "known_exploited_vulnerabilities.json"
#: Feeds for the announcements of other services (not imported by ``make demo``): NVD's vsftpd
#: 3.0.3 entry, and two Debian 12 mariadb advisories, one fixed below and one above the lab's.
ANNOUNCED = FEEDS / "announced"
VSFTPD = ANNOUNCED / "nvdcve-2.0-vsftpd.json"
MARIADB_OLD_FIX = ANNOUNCED / "LAB-2026-0003.json"
MARIADB_NEW_FIX = ANNOUNCED / "LAB-2026-0002.json"


def debian_zip(folder: Path, *records: Path) -> Path:
    """An OSV ecosystem export like Debian's ``all.zip``: one JSON file per advisory."""
    path = folder / "all.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for record in records:
            archive.write(record, record.name)
    return path


def feed_store(url: str, *paths: Path) -> Store:
    """A store at ``url`` with ``paths`` imported."""
    store = Store.open(url)
    if paths:
        import_feeds(store, list(paths))
    return store
