"""net.ssh-password-auth against the lab's real sshd (password allowed vs publickey only)."""

from __future__ import annotations

import pytest

from checks.network.ssh_password_auth import SshPasswordAuth
from scanner.core.models import AttemptStatus, Severity
from tests.helpers import run_check, service_target
from tests.lab import lab

pytestmark = pytest.mark.lab


def test_weak_sshd_offers_password(lab_state: lab.LabState) -> None:
    attempt = run_check(SshPasswordAuth, service_target(lab.WEAK_ADDR, 22, "ssh"))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.severity == Severity.MEDIUM
    assert finding.location == "22/tcp"
    assert finding.evidence.startswith("SSH-2.0-OpenSSH_")
    assert "offers password authentication; methods: publickey, password" in finding.evidence
    assert finding.detail["offered"] == ["password"]


def test_hardened_sshd_is_publickey_only(lab_state: lab.LabState) -> None:
    attempt = run_check(SshPasswordAuth, service_target(lab.HARDENED_ADDR, 22, "ssh"))
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert attempt.findings == ()


def test_http_named_ssh_is_not_applicable(lab_state: lab.LabState) -> None:
    attempt = run_check(SshPasswordAuth, service_target(lab.WEAK_ADDR, 80, "ssh"))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE, attempt.reason
    assert "does not speak SSH" in attempt.reason
