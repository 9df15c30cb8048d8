"""Account, password-policy and file-permission host checks over the real on-site lab hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.inventory import load_inventory
from scanner.runner import execute_run
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
    found = [f for f in store.findings(result.run_id) if f["check_id"] in CHECKS]
    assert {(f["check_id"], f["location"], f["severity"]) for f in found
            if f["asset_id"] == "weak"} == EXPECTED
    assert [f for f in found if f["asset_id"] == "hardened"] == []
    evidence = {f["check_id"]: f["evidence"] for f in found}
    assert evidence["host.password-max-days"] == (
        "/etc/login.defs: PASS_MAX_DAYS 99999 (more than 90)")
    assert "$" not in evidence["host.empty-password"]  # no hash is ever recorded
    errors = [a for a in store.attempts(result.run_id)
              if a["check_id"] in CHECKS and a["status"] == "error"]
    assert errors == []
