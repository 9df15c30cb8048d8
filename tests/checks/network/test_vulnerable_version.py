"""net.vulnerable-version against the lab's real sshds, the machine's Debian 12 OpenSSH: the weak
host's banner carries its package revision, the hardened host's is bare (``DebianBanner no``);
the on-site lab host 127.0.10.5 audited in the same run; and the lab's nginx through nmap's
version detection; and what other services announce unasked: the lab's nginx ``Server`` header,
vsftpd's greeting and MariaDB's handshake (which carries its Debian revision)."""

from __future__ import annotations

import re
import socket
from dataclasses import replace
from pathlib import Path

import pytest

from checks.network._versions import announced_product, nmap_product, nvd_names, ssh_product
from checks.network.vulnerable_version import VulnerableVersion
from scanner.app.compile import compile_run
from scanner.app.runs import start_run
from scanner.core.models import AssetKind, AttemptStatus, Service, ServiceTarget
from scanner.discovery.nmap import nmap_arguments, run_nmap
from scanner.engine.context import RunServices
from scanner.inventory.schema import Profile, load_inventory
from scanner.store import Store
from scanner.transport.ratelimit import TokenBucket
from scanner.vulns.match import Matcher
from tests.checks.host.lab_onsite import detail, onsite_inventory
from tests.helpers import LOOPBACK_ONLY, run_check, service_target
from tests.lab import lab
from tests.lab.hosts import CREDS_WEAK_ADDR
from tests.unit.vulns.feeds import (
    DSA,
    KEV,
    LAB,
    MARIADB_NEW_FIX,
    MARIADB_OLD_FIX,
    NVD,
    VSFTPD,
    feed_store,
)

pytestmark = pytest.mark.lab

ID = "net.vulnerable-version"
BARE_ADDR, BARE_PORT = lab.HARDENED_ADDR, 22


def services(store: Store) -> RunServices:
    return RunServices(
        guard=LOOPBACK_ONLY, bucket=TokenBucket(1000), vulnerabilities=Matcher(store.feeds)
    )


@pytest.fixture
def bare_sshd(lab_state: lab.LabState) -> str:
    """The lab's hardened sshd: the machine's OpenSSH with ``DebianBanner no`` (a bare upstream
    banner); its banner, read here."""
    with socket.create_connection((lab.HARDENED_ADDR, 22), timeout=5) as conn:
        conn.sendall(b"SSH-2.0-test\r\n")
        return conn.recv(256).decode("ascii", "replace").strip()


def test_banner_products() -> None:
    deb = ssh_product("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3")
    assert deb is not None
    assert (deb.vendor, deb.product, deb.version) == ("openbsd", "openssh", "9.2p1")
    assert (deb.ecosystem, deb.package, deb.package_version) == (
        "Debian:12",
        "openssh",
        "9.2p1-2+deb12u3",
    )
    bare = ssh_product("SSH-2.0-OpenSSH_9.2p1")
    assert bare is not None
    assert bare.ecosystem == ""
    ubuntu = ssh_product("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10")
    assert ubuntu is not None
    assert ubuntu.ecosystem == ""  # no release in the banner: upstream only
    assert ssh_product("SSH-2.0-ROSSSH") is None


def test_nmap_products() -> None:
    service = Service(
        "192.0.2.1", 80, "tcp", "http", "nginx 1.22.1", "cpe:/a:igor_sysoev:nginx:1.22.1"
    )
    found = nmap_product(service)
    assert found is not None
    assert (found.vendor, found.product, found.version, found.package) == (
        "igor_sysoev",
        "nginx",
        "1.22.1",
        "nginx",
    )
    assert nvd_names(found) == (("f5", "nginx"), ("nginx", "nginx"))
    assert nmap_product(replace(service, cpe="cpe:/a:igor_sysoev:nginx")) is None  # no version
    assert nmap_product(replace(service, cpe="")) is None
    ssh = nmap_product(
        Service(
            "192.0.2.1", 22, "tcp", "ssh", "OpenSSH 9.2p1 Debian 2+deb12u3",
            "cpe:/a:openbsd:openssh:9.2p1",
        )
    )  # fmt: skip
    assert ssh is not None
    assert (ssh.ecosystem, ssh.package_version) == ("Debian:12", "9.2p1-2+deb12u3")


def test_nmap_version_detection_feeds_the_check(db_url: str) -> None:
    # the lab's real nginx, through discovery's own nmap options with version detection on
    profile = Profile.model_validate({"ports": "80", "version_detection": True})
    args = nmap_arguments(profile, privileged=False, timeout=60, sweep=False)
    assert "-sV" in args
    [scan] = run_nmap([lab.WEAK_ADDR], args, timeout=90)
    [service] = [s for s in scan.services if s.port == 80]
    assert service.cpe == "cpe:/a:igor_sysoev:nginx:1.22.1"
    target = ServiceTarget(
        entity_id="e", asset_id="a", kind=AssetKind.HOST, address=lab.WEAK_ADDR, service=service
    )
    store = feed_store(db_url, NVD, KEV)
    attempt = run_check(VulnerableVersion, target, services=services(store))
    [finding] = attempt.findings
    assert finding.severity == "low"
    assert finding.evidence == (
        "nmap: nginx 1.22.1 (cpe:/a:igor_sysoev:nginx:1.22.1): unconfirmed (version-inferred "
        "from the upstream version only; a distribution may have backported fixes): "
        "igor_sysoev nginx 1.22.1 is in NVD's ranges of CVE-2023-44487 (CVSS up to 7.5)"
    )
    ot = nmap_arguments(profile, privileged=False, timeout=60, sweep=False, ot_rate=10)
    assert "-sV" not in ot  # nmap's probes never go to ot assets


def test_a_service_without_version_is_not_applicable() -> None:
    # the hardened nginx says ``Server: nginx`` (server_tokens off)
    attempt = run_check(VulnerableVersion, service_target(lab.HARDENED_ADDR, 80, "http"))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE
    assert "announced 'nginx'" in attempt.reason
    assert "version_detection" in attempt.reason


def test_announced_products() -> None:
    maria = announced_product("mysql", "5.5.5-10.11.19-MariaDB-0+deb12u1")
    assert maria is not None
    assert (maria.vendor, maria.product, maria.version) == ("mariadb", "mariadb", "10.11.19")
    assert (maria.ecosystem, maria.package, maria.package_version) == (
        "Debian:12",
        "mariadb",
        "10.11.19-0+deb12u1",
    )
    ubuntu = announced_product("mysql", "8.0.36-0ubuntu0.22.04.1")
    assert ubuntu is not None
    assert (ubuntu.vendor, ubuntu.product, ubuntu.version, ubuntu.ecosystem) == (
        "oracle",
        "mysql",
        "8.0.36",
        "",
    )
    apache = announced_product("http", "Apache/2.4.57 (Debian)")
    assert apache is not None
    assert (apache.vendor, apache.product, apache.version) == ("apache", "http_server", "2.4.57")
    nginx = announced_product("http", "nginx/1.22.1")
    assert nginx is not None
    assert nvd_names(nginx) == (("f5", "nginx"), ("nginx", "nginx"))
    proftpd = announced_product("ftp", "220 ProFTPD 1.3.8b Server (Debian) [::ffff:192.0.2.9]")
    assert proftpd is not None
    assert proftpd.version == "1.3.8b"
    exim = announced_product("smtp", "220 mx.example.org ESMTP Exim 4.96 Mon, 01 Dec 2026")
    assert exim is not None
    assert (exim.vendor, exim.version) == ("exim", "4.96")
    for kind, text in (
        ("http", "nginx"),
        ("smtp", "220 mx ESMTP Postfix (Debian/GNU)"),
        ("ftp", "220 Welcome"),
        ("mysql", "garbage"),
        ("telnet", "anything 1.2"),
    ):
        assert announced_product(kind, text) is None, (kind, text)
    # a hostile announcement: control characters and escapes never reach the evidence raw
    hostile = announced_product("http", "nginx/1.22.1\x1b[31m\r\n<script>" + "x" * 10_000)
    assert hostile is not None
    assert "\x1b" not in hostile.banner and "\n" not in hostile.banner
    assert len(hostile.banner) < 300


def test_server_header_of_the_lab_nginx(db_url: str) -> None:
    store = feed_store(db_url, NVD, KEV)
    attempt = run_check(
        VulnerableVersion, service_target(lab.WEAK_ADDR, 80, "http"), services=services(store)
    )
    [finding] = attempt.findings
    assert finding.severity == "low"
    assert finding.evidence == (
        "Server: nginx/1.22.1: unconfirmed (version-inferred from the upstream version only; a "
        "distribution may have backported fixes): nginx nginx 1.22.1 is in NVD's ranges of "
        "CVE-2023-44487 (CVSS up to 7.5)"
    )
    assert finding.detail["confirmed"] is False


def test_ftp_greeting_of_the_lab_vsftpd(db_url: str) -> None:
    store = feed_store(db_url, VSFTPD)
    attempt = run_check(
        VulnerableVersion, service_target(lab.WEAK_ADDR, 21, "ftp"), services=services(store)
    )
    [finding] = attempt.findings
    assert finding.severity == "low"
    assert finding.evidence.startswith(
        "FTP greeting: 220 (vsFTPd 3.0.3): unconfirmed (version-inferred"
    )
    assert "beasts vsftpd 3.0.3 is in NVD's ranges of CVE-2021-30047" in finding.evidence


@pytest.mark.parametrize(("feed", "found"), [(MARIADB_OLD_FIX, False), (MARIADB_NEW_FIX, True)])
def test_mariadb_handshake_revision(
    lab_state: lab.LabState, db_url: str, feed: Path, found: bool
) -> None:
    # the machine's MariaDB (Debian 12) greets with its package revision: matched exactly
    # against the distribution's advisories, as the SSH banner's is
    store = feed_store(db_url, feed)
    attempt = run_check(
        VulnerableVersion,
        service_target(CREDS_WEAK_ADDR, 3306, "mysql"),
        services=services(store),
    )
    if not found:
        assert attempt.status == AttemptStatus.PASS, attempt.reason
        return
    [finding] = attempt.findings
    assert finding.severity == "high"  # no CVSS in the advisory: the check's confirmed default
    assert finding.evidence.startswith("MySQL handshake: 5.5.5-10.11.")
    assert "LAB-2026-0002 (CVE-2099-0002" in finding.evidence
    assert "(from the banner's package revision)" in finding.evidence
    assert finding.detail["confirmed"] is True
    assert finding.detail["fixed"] == "1:10.11.99-0+deb12u1"


def test_backported_banner_is_not_reported(db_url: str) -> None:
    store = feed_store(db_url, DSA, NVD, KEV)
    # upstream 9.2p1 is in NVD's ranges of CVE-2024-6387, but the revision has Debian's fix
    attempt = run_check(
        VulnerableVersion, service_target(lab.WEAK_ADDR, 22, "ssh"), services=services(store)
    )
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert attempt.findings == ()


def test_banner_below_the_fixed_revision_is_reported(db_url: str) -> None:
    store = feed_store(db_url, DSA, LAB, NVD, KEV)
    attempt = run_check(
        VulnerableVersion, service_target(lab.WEAK_ADDR, 22, "ssh"), services=services(store)
    )
    [finding] = attempt.findings
    assert finding.severity == "critical"
    assert "LAB-2026-0001 (CVE-2099-0001, CVSS 9.8); fixed in 1:9.2p1-2+deb12u99" in (
        finding.evidence
    )
    assert "(from the banner's package revision)" in finding.evidence
    assert finding.detail["confirmed"] is True


def test_bare_upstream_banner_is_only_an_unconfirmed_low(db_url: str, bare_sshd: str) -> None:
    assert bare_sshd == "SSH-2.0-OpenSSH_9.2p1"
    store = feed_store(db_url, DSA, LAB, NVD, KEV)
    attempt = run_check(
        VulnerableVersion, service_target(BARE_ADDR, BARE_PORT, "ssh"), services=services(store)
    )
    [finding] = attempt.findings
    assert finding.severity == "low"
    assert finding.evidence == (
        "SSH-2.0-OpenSSH_9.2p1: unconfirmed (version-inferred from the upstream version only; "
        "a distribution may have backported fixes): openbsd openssh 9.2p1 is in NVD's ranges of "
        "CVE-2023-38408, CVE-2024-6387, CVE-2099-0001 (CVSS up to 9.8); known exploited (CISA "
        "KEV): CVE-2099-0001"
    )
    assert finding.detail["confirmed"] is False


def test_an_old_feed_is_named_in_the_evidence(db_url: str, bare_sshd: str) -> None:
    store = feed_store(db_url, NVD, KEV)
    old = RunServices(
        guard=LOOPBACK_ONLY,
        bucket=TokenBucket(1000),
        vulnerabilities=Matcher(store.feeds),
        settings={ID: {"max_feed_age_days": 0}},
    )
    attempt = run_check(
        VulnerableVersion, service_target(BARE_ADDR, BARE_PORT, "ssh"), services=old
    )
    [finding] = attempt.findings
    assert re.search(
        r"; feed older than 0 days \((kev|nvd) [0-9.]+ days old, (kev|nvd) [0-9.]+ days old\): "
        r"advisories published since are not known to this match$",
        finding.evidence,
    ), finding.evidence


def test_no_feed_is_inconclusive(db_url: str, bare_sshd: str) -> None:
    attempt = run_check(
        VulnerableVersion,
        service_target(BARE_ADDR, BARE_PORT, "ssh"),
        services=services(Store.open(db_url)),
    )
    assert attempt.status == AttemptStatus.ERROR
    assert "no NVD feed imported" in attempt.reason


@pytest.mark.parametrize(("feeds", "found"), [((DSA, NVD, KEV), False), ((DSA, LAB, NVD), True)])
def test_onsite_audit_settles_the_remote_inference(
    lab_state: lab.LabState, tmp_path: Path, feeds: tuple[Path, ...], found: bool
) -> None:
    current = lab.load_state(lab_state.state_dir) or lab_state
    path = onsite_inventory(
        current,
        tmp_path,
        known_hosts=current.known_hosts,
        checks=[ID, "host.vulnerable-package"],
    )
    text = path.read_text().replace(
        "      - id: weak\n", f"      - id: weak-ssh\n        host: {lab.ONSITE_WEAK_ADDR}\n"
        "      - id: weak\n", 1,
    )  # fmt: skip
    path.write_text(text)
    store = feed_store(f"sqlite:///{tmp_path / 'scanner.db'}", *feeds)
    result = start_run(compile_run(load_inventory(path), "remote"), store)
    remote = [
        f
        for f in store.attempts.findings(result.run_id)
        if f.check_id == ID and f.asset_id == "weak-ssh"
    ]
    [attempt] = [
        a
        for a in store.attempts.of_run(result.run_id)
        if a.check_id == ID and a.asset_id == "weak-ssh"
    ]
    if not found:
        assert remote == []
        assert attempt.status == "pass", attempt
        return
    [finding] = remote
    assert finding.asset_id == "weak-ssh"
    assert "(from the on-site audit of weak)" in finding.evidence
    assert detail(finding)["basis"] == "the on-site audit of weak"
    assert finding.severity == "critical"
