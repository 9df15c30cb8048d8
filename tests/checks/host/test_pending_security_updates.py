"""host.pending-security-updates on the on-site lab hosts: the weak host's apt sees one security
update (the lab's bumped netbase); the hardened host's none, with fresh lists; lists older than
allowed make "none" inconclusive."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest

from tests.checks.host.lab_onsite import Audit, audit, detail
from tests.lab import lab

pytestmark = pytest.mark.lab

ID = "host.pending-security-updates"


def test_weak_host_has_a_pending_security_update(onsite_audit: Audit) -> None:
    found = onsite_audit.found(ID, "weak")
    assert {(loc, f.severity) for loc, f in found.items()} == {("security updates", "high")}
    version = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", lab.ONSITE_APT_PACKAGE],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert re.fullmatch(
        re.escape(
            f"apt-get -s upgrade: 1 pending security update: netbase {version} -> "
            f"{version}+lab1 (Debian-Security:12/bookworm-security); package lists last updated "
        )
        + r"\d+\.\d (hours|days) ago",  # since the lab started
        found["security updates"].evidence,
    )
    facts = detail(found["security updates"])
    assert facts["count"] == 1
    assert facts["packages"] == [
        {"package": "netbase", "installed": version, "candidate": f"{version}+lab1"}
    ]
    assert onsite_audit.attempt(ID, "weak").status == "fail"


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")


def test_old_package_lists_cannot_tell(lab_state: lab.LabState, tmp_path: Path) -> None:
    # The lab writes fresh lists at start; a limit of 0 days makes them "too old" once a
    # second has passed since (the age is measured with whole seconds of the host's clock).
    lists = lab_state.state_dir / "hosts" / "onsite-hardened" / "apt-lists"
    newest = max(p.stat().st_mtime for p in lists.iterdir() if p.is_file())
    time.sleep(max(0.0, min(2.0, newest + 1.5 - time.time())))
    settings = f"checks:\n  settings:\n    {ID}:\n      max_list_age_days: 0\n"
    result = audit(lab_state, tmp_path, checks=[ID], settings=settings)
    hardened = result.attempt(ID, "hardened")
    assert hardened.status == "error"
    assert re.fullmatch(
        r"Inconclusive: apt sees no pending security update but cannot tell: package lists "
        r"last updated \d+\.\d (hours|days) ago \(older than the 0 days allowed\)",
        hardened.reason,
    )
    # updates found in old lists are still pending updates
    assert result.attempt(ID, "weak").status == "fail"
