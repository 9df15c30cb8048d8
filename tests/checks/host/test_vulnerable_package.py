"""host.vulnerable-package on the on-site lab hosts, whose dpkg is the machine's real one
(openssh 1:9.2p1-2+deb12uN, N >= 3): Debian's backported fix of CVE-2024-6387 is honoured, a fix
above the installed revision (the fictional LAB-2026-0001) is reported, known exploited and with
its CVSS; no advisories of the host's release is inconclusive. And the package list parsers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from checks.host._packages import dpkg_packages, ecosystem, rpm_packages
from scanner.api import Inconclusive, Installed
from scanner.app.notices import explain_issue
from scanner.store import Store
from tests.checks.host.lab_onsite import HOSTILE, audit, detail, survives
from tests.lab import lab
from tests.unit.vulns.feeds import DSA, KEV, LAB, NVD, ROCKY, feed_store

ID = "host.vulnerable-package"


def openssh() -> str:
    return subprocess.run(
        ["dpkg-query", "-W", "-f", "${source:Version}", "openssh-server"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


@pytest.mark.lab
def test_backported_fix_is_not_reported(lab_state: lab.LabState, tmp_path: Path) -> None:
    feed_store(f"sqlite:///{tmp_path / 'scanner.db'}", DSA, ROCKY, NVD, KEV)
    result = audit(lab_state, tmp_path, checks=[ID])
    for host in ("weak", "hardened"):
        assert result.passed(ID, host), result.attempt(ID, host)


@pytest.mark.lab
def test_below_the_fixed_revision_is_reported(lab_state: lab.LabState, tmp_path: Path) -> None:
    feed_store(f"sqlite:///{tmp_path / 'scanner.db'}", DSA, LAB, NVD, KEV)
    result = audit(lab_state, tmp_path, checks=[ID])
    version = openssh()
    for host in ("weak", "hardened"):
        [(location, severity, evidence)] = result.failed(ID, host)
        assert (location, severity) == ("package openssh", "critical")  # CVSS 9.8
        assert evidence.startswith(f"openssh {version} (openssh-client, openssh-server")
        assert (
            ": LAB-2026-0001 (CVE-2099-0001, CVSS 9.8); fixed in 1:9.2p1-2+deb12u99; known "
            "exploited (CISA KEV): CVE-2099-0001"
        ) in evidence
        facts = detail(result.found(ID, host)[location])
        assert facts["installed"] == version
        assert facts["known_exploited"] == ["CVE-2099-0001"]
        assert facts["confirmed"] is True
        assert facts["ecosystem"] == "Debian:12"


@pytest.mark.lab
def test_kev_and_cvss_rank_the_issue(lab_state: lab.LabState, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'scanner.db'}"
    feed_store(url, DSA, LAB, NVD, KEV)
    audit(lab_state, tmp_path, checks=[ID])
    store = Store.open(url)
    issue = next(i for i in store.issues.find() if i.check_id == ID and i.asset_id == "weak")
    risk = explain_issue(store, issue.id).risk
    assert "CVSS base score 9.8 is higher: 9.8" in risk.steps
    assert any(step.startswith("known exploited (CISA KEV) +2:") for step in risk.steps)
    assert risk.level == "high"


@pytest.mark.lab
def test_no_advisories_of_the_release_is_inconclusive(
    lab_state: lab.LabState, tmp_path: Path
) -> None:
    feed_store(f"sqlite:///{tmp_path / 'scanner.db'}", ROCKY)
    result = audit(lab_state, tmp_path, checks=[ID])
    attempt = result.attempt(ID, "weak")
    assert attempt.status == "error"
    assert "no OSV advisories of Debian:12 imported" in attempt.reason


def test_ecosystem_from_os_release() -> None:
    assert ecosystem('ID=debian\nVERSION_ID="12"\n') == "Debian:12"
    assert ecosystem('ID=ubuntu\nVERSION_ID="22.04"\n') == "Ubuntu:22.04"
    assert ecosystem('ID="rocky"\nVERSION_ID="9.4"\n') == "Rocky Linux:9"
    with pytest.raises(Inconclusive, match="no advisory ecosystem"):
        ecosystem("ID=plan9\n")
    with pytest.raises(Inconclusive, match="testing or unstable"):
        ecosystem("ID=debian\n")


def test_package_lists() -> None:
    assert dpkg_packages(
        "openssh-server\t1:9.2p1-2+deb12u3\topenssh\t1:9.2p1-2+deb12u3\tii \n"
        "libfoo1\t1.0-1+b1\tfoo\t1.0-1\tii \n"
        "oldpkg\t0.1-1\toldpkg\t0.1-1\trc \n"
    ) == (
        Installed("openssh-server", "1:9.2p1-2+deb12u3", "openssh", "1:9.2p1-2+deb12u3"),
        Installed("libfoo1", "1.0-1+b1", "foo", "1.0-1"),  # a binNMU: the source's version
    )
    assert rpm_packages("openssh-server\t0:8.7p1-38.el9\topenssh-8.7p1-38.el9.src.rpm\n") == (
        Installed("openssh-server", "8.7p1-38.el9", "openssh", "8.7p1-38.el9"),
    )
    with pytest.raises(Inconclusive, match="unreadable line"):
        dpkg_packages("half a line\n")


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_lists(text: str) -> None:
    survives(dpkg_packages, text)
    survives(rpm_packages, text)
    survives(ecosystem, text)
