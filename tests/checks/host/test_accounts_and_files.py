"""Account, password-policy and file-permission host checks over the real on-site lab hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.host.log_retention_short import retention
from scanner.app.runs import execute_run
from scanner.inventory.schema import load_inventory
from scanner.store import Store
from tests.checks.host.test_ssh_root_login import onsite_inventory
from tests.lab import lab

pytestmark = pytest.mark.lab

CHECKS = ("host.uid0-extra-account", "host.empty-password", "host.password-max-days",
          "host.world-writable-system-files")
EXPECTED = {
    ("host.uid0-extra-account", "account toor", "critical"),
    ("host.empty-password", "account guest", "critical"),
    ("host.password-max-days", "login.defs PASS_MAX_DAYS", "medium"),
    ("host.world-writable-system-files", "/etc/lab-world-writable.conf", "high"),
}


def test_weak_host_findings_and_clean_hardened_host(lab_state: lab.LabState, tmp_path: Path,
                                                    db_url: str) -> None:
    inv = load_inventory(onsite_inventory(lab_state, tmp_path, known_hosts=lab_state.known_hosts))
    store = Store.open(db_url)
    result = execute_run(inv, "remote", store)
    found = [f for f in store.attempts.findings(result.run_id) if f.check_id in CHECKS]
    assert {(f.check_id, f.location, f.severity) for f in found
            if f.asset_id == "weak"} == EXPECTED
    assert [f for f in found if f.asset_id == "hardened"] == []
    evidence = {f.check_id: f.evidence for f in found}
    assert evidence["host.password-max-days"] == (
        "/etc/login.defs: PASS_MAX_DAYS 99999 (more than 90)")
    assert "$" not in evidence["host.empty-password"]  # no hash is ever recorded
    errors = [a for a in store.attempts.of_run(result.run_id)
              if a.check_id in CHECKS and a.status == "error"]
    assert errors == []


def test_log_retention(lab_state: lab.LabState, tmp_path: Path, db_url: str) -> None:
    inv = load_inventory(onsite_inventory(lab_state, tmp_path, known_hosts=lab_state.known_hosts))
    store = Store.open(db_url)
    result = execute_run(inv, "remote", store)
    found = {(f.asset_id, f.location): f.evidence for f in store.attempts.findings(result.run_id)
             if f.check_id == "host.log-retention-short"}
    # The lab sets the system log's rotation; other files come from the packages this machine
    # has installed, so only the lab's own file is asserted exactly.
    assert found[("weak", "logrotate /etc/logrotate.d/rsyslog")] == (
        "/etc/logrotate.d/rsyslog keeps logs for 28 days (weekly x rotate 4), less than 180")
    assert not [k for k in found if k[0] == "hardened"]


@pytest.mark.parametrize(("text", "expected"), [
    ("/var/log/syslog\n{\n rotate 4\n weekly\n}\n", (28, "weekly x rotate 4")),
    ("weekly\nrotate 26\ncreate\n", (182, "weekly x rotate 26")),
    ("/var/log/x {\n daily\n rotate 14\n maxage 10\n}\n", (10, "maxage 10")),
    ("/var/log/a {\n monthly\n rotate -1\n}\n/var/log/b {\n daily\n rotate 7\n}",
     (7, "daily x rotate 7")),
])
def test_retention_arithmetic(text: str, expected: tuple[int, str]) -> None:
    assert retention(text, 7, 1) == expected
