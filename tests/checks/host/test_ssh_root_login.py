"""host.ssh-root-login over the real on-site lab hosts, through one SSH connection per host."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scanner.app.runs import execute_run
from scanner.core.models import AttemptStatus
from scanner.inventory.schema import load_inventory
from scanner.store import Store
from tests.helpers import write
from tests.lab import lab
from tests.test_inventory import MINIMAL

pytestmark = pytest.mark.lab


def onsite_inventory(state: lab.LabState, tmp_path: Path, *, known_hosts: Path) -> Path:
    text = MINIMAL.replace("  allow: [127.0.10.0/24]", "  allow: [127.0.10.0/24]").replace(
        "      - id: web\n        host: 127.0.10.1\n",
        "      - id: weak\n        onsite: 127.0.10.5\n        credentials: audit\n"
        "      - id: hardened\n        onsite: 127.0.10.6\n        credentials: audit\n",
    ).replace("    modes: [remote]", "    modes: [onsite]")
    text += (f"credentials:\n  audit:\n    username: {lab.AUDIT_USER}\n"
             f"    key_file: {state.audit_key}\n    known_hosts: {known_hosts}\n    sudo: true\n")
    return write(tmp_path / "inv.yaml", text)


def accepted_logins(state: lab.LabState) -> dict[str, int]:
    logs = state.state_dir / "logs"
    return {name: len(re.findall("Accepted publickey for audit",
                                 (logs / f"sshd-{name}.log").read_text(errors="replace")))
            for name in ("onsite-weak", "onsite-hardened")}


def test_root_login_found_on_weak_host_only_with_one_login_per_host(
    lab_state: lab.LabState, tmp_path: Path, db_url: str
) -> None:
    inv = load_inventory(onsite_inventory(lab_state, tmp_path, known_hosts=lab_state.known_hosts))
    store = Store.open(db_url)
    before = accepted_logins(lab_state)
    result = execute_run(inv, "remote", store)
    after = accepted_logins(lab_state)
    assert {k: after[k] - before[k] for k in after} == {"onsite-weak": 1, "onsite-hardened": 1}
    [finding] = [f for f in store.attempts.findings(result.run_id)
                 if f.check_id == "host.ssh-root-login"]
    assert (finding.asset_id, finding.location) == ("weak", "sshd PermitRootLogin")
    assert finding.evidence == "sshd -T: permitrootlogin yes"
    statuses = {a.asset_id: a.status for a in store.attempts.of_run(result.run_id)
                if a.check_id == "host.ssh-root-login"}
    assert statuses == {"weak": "fail", "hardened": "pass"}


def test_unknown_host_key_sends_no_credential(lab_state: lab.LabState, tmp_path: Path,
                                              db_url: str) -> None:
    empty = write(tmp_path / "known_hosts", "")
    inv = load_inventory(onsite_inventory(lab_state, tmp_path, known_hosts=empty))
    store = Store.open(db_url)
    before = accepted_logins(lab_state)
    result = execute_run(inv, "remote", store)
    attempts = [a for a in store.attempts.of_run(result.run_id)
                if a.check_id == "host.ssh-root-login"]
    assert {a.status for a in attempts} == {AttemptStatus.ERROR.value}
    assert all("is not in" in a.reason for a in attempts)
    assert accepted_logins(lab_state) == before  # no login was attempted
