"""net.ftp-anonymous against the lab's real vsftpd (anonymous allowed vs refused), and sshd."""

from __future__ import annotations

import pytest

from checks.network.ftp_anonymous import FtpAnonymous
from scanner.core.models import AttemptStatus, Severity
from tests.helpers import run_check, service_target
from tests.lab import lab

pytestmark = pytest.mark.lab


def test_weak_ftp_accepts_anonymous(lab_state: lab.LabState) -> None:
    attempt = run_check(FtpAnonymous, service_target(lab.WEAK_ADDR, 21, "ftp"))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.check_id == "net.ftp-anonymous"
    assert finding.severity == Severity.HIGH
    assert finding.location == "21/tcp"
    # the weak vsftpd has no_anon_password=YES: USER alone logs in
    assert finding.evidence == (
        "banner '220 (vsFTPd 3.0.3)'; USER anonymous answered '230 Login successful.'"
    )
    assert finding.detail == {"reply_code": 230}


def test_hardened_ftp_refuses_anonymous(lab_state: lab.LabState) -> None:
    # vsftpd answers the failed PASS only after ~3 s (delay_failed_login): within the deadline.
    attempt = run_check(FtpAnonymous, service_target(lab.HARDENED_ADDR, 21, "ftp"))
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert attempt.findings == ()


def test_ssh_named_ftp_is_not_applicable(lab_state: lab.LabState) -> None:
    attempt = run_check(FtpAnonymous, service_target(lab.HARDENED_ADDR, 22, "ftp"))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE
    assert "SSH-2.0" in attempt.reason
