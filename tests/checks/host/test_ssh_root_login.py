"""host.ssh-root-login on the on-site lab hosts: root may log in on the weak host only; an unknown
host key stops the login before any credential is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.core.models import AttemptStatus
from tests.checks.host.lab_onsite import Audit, accepted_logins, audit
from tests.helpers import write
from tests.lab import lab

pytestmark = pytest.mark.lab

ID = "host.ssh-root-login"


def test_weak_host_permits_root_login(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        ("sshd PermitRootLogin", "high", "sshd -T: permitrootlogin yes")
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")


def test_one_login_per_host(lab_state: lab.LabState, tmp_path: Path) -> None:
    before = accepted_logins(lab_state)
    result = audit(lab_state, tmp_path, checks=[ID])
    after = accepted_logins(lab_state)
    assert {k: after[k] - before[k] for k in after} == {"onsite-weak": 1, "onsite-hardened": 1}
    assert {a: result.attempt(ID, a).status for a in ("weak", "hardened")} == {
        "weak": "fail",
        "hardened": "pass",
    }


def test_unknown_host_key_sends_no_credential(lab_state: lab.LabState, tmp_path: Path) -> None:
    empty = write(tmp_path / "known_hosts", "")
    before = accepted_logins(lab_state)
    result = audit(lab_state, tmp_path, checks=[ID], known_hosts=empty)
    attempts = [result.attempt(ID, a) for a in ("weak", "hardened")]
    assert {a.status for a in attempts} == {AttemptStatus.ERROR.value}
    assert all("is not in" in a.reason for a in attempts)
    assert accepted_logins(lab_state) == before  # no login was attempted
