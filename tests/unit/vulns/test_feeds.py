"""Importing feeds (OSV records and zip, NVD CVE JSON 2.0, KEV) into the store, replacing a
source atomically, their status and age, bad files, and matching against them."""

from __future__ import annotations

import gzip
import json
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.app.feeds import feed_status, import_feeds
from scanner.cli.main import main
from scanner.core.errors import UserError
from scanner.store import Store
from scanner.vulns.match import Installed, Matcher
from tests.unit.vulns.feeds import DSA, KEV, LAB, NVD, ROCKY, debian_zip, feed_store

OPENSSH = "openssh"


def installed(version: str) -> list[Installed]:
    return [
        Installed("openssh-server", version, OPENSSH, version),
        Installed("openssh-client", version, OPENSSH, version),
        Installed("netbase", "6.4", "netbase", "6.4"),
    ]


def test_import_every_kind_with_versions(db_url: str) -> None:
    store = feed_store(db_url)
    written = import_feeds(store, [DSA, LAB, ROCKY, NVD, KEV], now=1_800_000_000)
    assert {(s.source, s.kind, s.entries, s.version) for s in written} == {
        ("osv:Debian", "osv", 2, "2026-11-20T09:00:00Z"),
        ("osv:Rocky Linux", "osv", 1, "2024-07-03T00:00:00Z"),
        ("nvd", "nvd", 4, "2026-11-30T03:00:00Z"),
        ("kev", "kev", 1, "2026-12-01T15:00:00Z"),
    }
    assert all(s.imported_at == 1_800_000_000 for s in store.feeds.sources())
    facts = store.feeds.cve_facts(["CVE-2024-6387", "CVE-2099-0001", "CVE-1999-0001"])
    assert facts["CVE-2024-6387"].cvss == 8.1
    assert not facts["CVE-2024-6387"].known_exploited
    assert facts["CVE-2099-0001"].known_exploited
    assert "CVE-1999-0001" not in facts
    ranges = store.feeds.cpe_ranges("openbsd", "openssh")
    assert {(r.cve, r.version, r.start_including, r.end_excluding) for r in ranges} == {
        ("CVE-2024-6387", "*", "", "4.4p1"),
        ("CVE-2024-6387", "*", "8.5p1", "9.8p1"),
        ("CVE-2024-6387", "4.4p1", "", ""),  # NVD's version 4.4, update p1
        ("CVE-2023-38408", "*", "", "9.3p2"),
        ("CVE-2099-0001", "9.2p1", "", ""),
    }


def test_backported_host_is_not_reported_below_the_fix_is(db_url: str) -> None:
    matcher = Matcher(feed_store(db_url, DSA, NVD, KEV).feeds)
    assert matcher.packages("Debian:12", installed("1:9.2p1-2+deb12u3")) == []
    assert matcher.packages("Debian:12", installed("1:9.2p1-2+deb12u10")) == []
    [vuln] = matcher.packages("Debian:12", installed("1:9.2p1-2+deb12u2"))
    assert vuln.package == OPENSSH
    assert vuln.binaries == ("openssh-client", "openssh-server")
    assert (vuln.installed, vuln.fixed) == ("1:9.2p1-2+deb12u2", "1:9.2p1-2+deb12u3")
    assert (vuln.advisories, vuln.cves, vuln.cvss) == (("DSA-5724-1",), ("CVE-2024-6387",), 8.1)
    assert vuln.known_exploited == ()
    # another release's advisories never apply
    assert matcher.packages("Debian:11", installed("1:8.4p1-5")) == []


def test_kev_and_the_fix_of_every_advisory(db_url: str) -> None:
    matcher = Matcher(feed_store(db_url, DSA, LAB, NVD, KEV).feeds)
    [vuln] = matcher.packages("Debian:12", installed("1:9.2p1-2+deb12u2"))
    assert vuln.advisories == ("DSA-5724-1", "LAB-2026-0001")
    assert vuln.fixed == "1:9.2p1-2+deb12u99"  # the version that fixes both
    assert vuln.known_exploited == ("CVE-2099-0001",)
    assert vuln.cvss == 9.8


def test_rpm_advisories_by_source_or_binary_name(db_url: str) -> None:
    matcher = Matcher(feed_store(db_url, ROCKY).feeds)
    below = [Installed("openssh-server", "8.7p1-38.el9", "openssh", "8.7p1-38.el9")]
    [vuln] = matcher.packages("Rocky Linux:9", below)
    assert (vuln.package, vuln.fixed, vuln.cves) == (
        "openssh",
        "8.7p1-38.el9_4.1",
        ("CVE-2024-6387",),
    )
    # a feed naming the binary package matches it too (its source RPM unknown to the feed)
    assert matcher.packages("Rocky Linux:9", [Installed("openssh", "8.7p1-38.el9", "x", "")])
    fixed = [Installed("openssh-server", "8.7p1-38.el9_4.1", "openssh", "8.7p1-38.el9_4.1")]
    assert matcher.packages("Rocky Linux:9", fixed) == []


def test_upstream_match_is_against_nvd_ranges(db_url: str) -> None:
    matcher = Matcher(feed_store(db_url, NVD, KEV).feeds)
    found = matcher.upstream("openbsd", "openssh", "9.2p1")
    assert found is not None
    assert found.cves == ("CVE-2023-38408", "CVE-2024-6387", "CVE-2099-0001")
    assert found.known_exploited == ("CVE-2099-0001",)
    later = matcher.upstream("openbsd", "openssh", "9.8p1")
    assert later is None


def test_gzipped_nvd_file_streams(db_url: str, tmp_path: Path) -> None:
    packed = tmp_path / "nvdcve-2.0-2024.json.gz"
    packed.write_bytes(gzip.compress(NVD.read_bytes()))
    [source] = import_feeds(Store.open(db_url), [packed])
    assert (source.source, source.entries) == ("nvd", 4)
    cut = tmp_path / "cut.json.gz"
    cut.write_bytes(packed.read_bytes()[:600])
    with pytest.raises(UserError, match=r"cut\.json\.gz: not valid JSON"):
        import_feeds(Store.open(db_url), [cut])


def test_osv_zip_export(db_url: str, tmp_path: Path) -> None:
    store = feed_store(db_url, debian_zip(tmp_path, DSA, LAB))
    [source] = store.feeds.sources()
    assert (source.source, source.entries, source.files) == ("osv:Debian", 2, "all.zip")
    assert {a.advisory for a in store.feeds.advisories("Debian:12")} == {
        "DSA-5724-1",
        "LAB-2026-0001",
    }


def test_reimport_replaces_the_source_and_a_bad_file_rolls_back(
    db_url: str, tmp_path: Path
) -> None:
    store = feed_store(db_url, DSA, LAB, KEV)
    import_feeds(store, [DSA])
    assert {a.advisory for a in store.feeds.advisories("Debian:12")} == {"DSA-5724-1"}
    broken = tmp_path / "DSA-9999-1.json"
    record = json.loads(DSA.read_text())
    record["id"] = "DSA-9999-1"
    record["affected"][0]["ranges"][0]["events"] = [{"introduced": "0", "fixed": "1"}]
    broken.write_text(json.dumps(record))
    with pytest.raises(UserError, match=r"DSA-9999-1.json: affected\[0\].ranges\[0\].events"):
        import_feeds(store, [LAB, broken])
    # the failed import changed nothing: the old source is whole
    assert {a.advisory for a in store.feeds.advisories("Debian:12")} == {"DSA-5724-1"}
    assert {s.source for s in store.feeds.sources()} == {"osv:Debian", "kev"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", r"not valid JSON"),
        ('{"hello": 1}', r"not a feed the scanner reads"),
        ('{"id": "X", "affected": [{"package": {"name": "a"}}]}', r"package.ecosystem: missing"),
        ('{"format": "NVD_CVE", "vulnerabilities": [{"cve": {"id": "nope"}}]}', "not a CVE id"),
        ('{"catalogVersion": "1", "vulnerabilities": [{"cveID": 5}]}', r"cveID: missing"),
    ],
)
def test_bad_files_name_file_and_field(
    db_url: str, tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "feed.json"
    path.write_text(text)
    with pytest.raises(UserError, match=message) as caught:
        import_feeds(Store.open(db_url), [path])
    assert str(path) in str(caught.value)
    assert "Fix:" in str(caught.value) or "not a CVE id" in str(caught.value)


def test_oversized_zip_member_and_deep_nesting_are_refused(db_url: str, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(DSA, "DSA-5724-1.json")
        archive.writestr("big.json", b" " * (9 * 1024 * 1024))  # 9 MB of spaces, 9 KB packed
    with pytest.raises(UserError, match=r"big.json: an OSV record larger than"):
        import_feeds(Store.open(db_url), [bomb])
    deep = tmp_path / "deep.json"
    deep.write_text(
        '{"format": "NVD_CVE", "vulnerabilities": [' + "[" * 100_000 + "]" * 100_000 + "]}"
    )
    with pytest.raises(UserError, match=r"deep\.json: JSON nested deeper than 512"):
        import_feeds(Store.open(db_url), [deep])
    assert Store.open(db_url).feeds.sources() == []


def test_hostile_names_print_inert(tmp_path: Path) -> None:
    record = json.loads(DSA.read_text())
    record["affected"][0]["package"]["ecosystem"] = "\x1b[2J\x1b]0;pwned\x07Debian:12"
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(record))
    url = f"sqlite:///{tmp_path / 'feeds.db'}"
    runner = CliRunner()
    for args in (["feed", "import", str(path)], ["feed", "status"]):
        shown = runner.invoke(main, [*args[:2], "--db", url, *args[2:]])
        assert shown.exit_code == 0, shown.output
        assert "\x1b" not in shown.output and "\x07" not in shown.output


def test_status_ages_and_staleness(db_url: str) -> None:
    store = feed_store(db_url, ROCKY, KEV)
    now = 1_796_000_000.0  # 2026-12-01T...: the KEV catalogue is a few hours old
    status = {s.source.source: s for s in feed_status(store, stale_days=30, now=now)}
    assert status["osv:Rocky Linux"].stale
    assert status["osv:Rocky Linux"].age_days > 800
    assert not status["kev"].stale


def test_cli_import_and_status(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'feeds.db'}"
    runner = CliRunner()
    imported = runner.invoke(main, ["feed", "import", "--db", url, str(NVD), str(KEV)])
    assert imported.exit_code == 0, imported.output
    assert "nvd: 4 nvd entries imported (feed version 2026-11-30T03:00:00Z)" in imported.output
    shown = runner.invoke(main, ["feed", "status", "--db", url, "--json"])
    assert shown.exit_code == 0, shown.output
    rows = {r["source"]: r for r in json.loads(shown.output)}
    assert rows["kev"]["entries"] == 1
    assert re.fullmatch(r"\d+(\.\d)?", str(rows["nvd"]["age_days"]))
    missing = runner.invoke(main, ["feed", "import", "--db", url, str(tmp_path / "none.json")])
    assert missing.exit_code == 2
    assert "no such file" in " ".join(missing.output.split())
