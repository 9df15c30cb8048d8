"""net.ftp-cleartext against the lab's real vsftpd (no TLS vs AUTH TLS offered), and sshd."""

from __future__ import annotations

import pytest

from checks.network.ftp_cleartext import FtpCleartext
from scanner.core.models import AttemptStatus, Severity
from tests.helpers import run_check, service_target
from tests.lab import lab

pytestmark = pytest.mark.lab


def test_weak_ftp_has_no_auth_tls(lab_state: lab.LabState) -> None:
    attempt = run_check(FtpCleartext, service_target(lab.WEAK_ADDR, 21, "ftp"))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.check_id == "net.ftp-cleartext"
    assert finding.severity == Severity.MEDIUM
    assert finding.location == "21/tcp"
    assert finding.evidence.startswith(
        "AUTH TLS answered '530 Please login with USER and PASS.'; FEAT: EPRT, EPSV"
    )
    assert finding.detail["auth_tls_reply"] == 530
    assert "AUTH TLS" not in finding.detail["features"]


def test_hardened_ftp_offers_auth_tls(lab_state: lab.LabState) -> None:
    attempt = run_check(FtpCleartext, service_target(lab.HARDENED_ADDR, 21, "ftp"))
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert attempt.findings == ()


def test_ssh_named_ftp_is_not_applicable(lab_state: lab.LabState) -> None:
    attempt = run_check(FtpCleartext, service_target(lab.WEAK_ADDR, 22, "ftp"))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE
    assert "SSH-2.0" in attempt.reason
