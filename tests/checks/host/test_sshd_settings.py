"""The sshd-setting host checks over the real on-site lab hosts: exact findings on the weak host,
none on the hardened one, and one `sshd -T` per host however many checks read it."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.app.compile import compile_run
from scanner.app.runs import start_run
from scanner.inventory.schema import load_inventory
from scanner.store import Store
from tests.checks.host.test_ssh_root_login import accepted_logins, onsite_inventory
from tests.lab import lab

pytestmark = pytest.mark.lab

EXPECTED = {
    ("host.ssh-root-login", "sshd PermitRootLogin", "sshd -T: permitrootlogin yes"),
    ("host.ssh-password-auth", "sshd passwordauthentication",
     "sshd -T: passwordauthentication yes"),
    ("host.ssh-empty-passwords", "sshd permitemptypasswords", "sshd -T: permitemptypasswords yes"),
    ("host.ssh-max-auth-tries", "sshd maxauthtries", "sshd -T: maxauthtries 10 (more than 4)"),
    ("host.ssh-x11-forwarding", "sshd x11forwarding", "sshd -T: x11forwarding yes"),
}


def test_sshd_settings(lab_state: lab.LabState, tmp_path: Path, db_url: str) -> None:
    inv = load_inventory(onsite_inventory(lab_state, tmp_path, known_hosts=lab_state.known_hosts))
    store = Store.open(db_url)
    before = accepted_logins(lab_state)
    result = start_run(compile_run(inv, "remote"), store)
    after = accepted_logins(lab_state)
    assert {k: after[k] - before[k] for k in after} == {"onsite-weak": 1, "onsite-hardened": 1}
    found = {(f.check_id, f.location, f.evidence) for f in store.attempts.findings(result.run_id)
             if f.asset_id == "weak" and f.check_id.startswith("host.ssh-")}
    assert found == EXPECTED
    hardened = [f for f in store.attempts.findings(result.run_id) if f.asset_id == "hardened"]
    assert hardened == []
