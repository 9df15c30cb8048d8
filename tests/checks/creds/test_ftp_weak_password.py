"""cred.ftp-weak-password against vsftpd of creds-weak (local user ``user`` / changeme) and
creds-hardened (random passwords); vsftpd's own log counts the logins."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from checks.creds.ftp_weak_password import FtpWeakPassword
from scanner.core.models import AttemptStatus, Severity
from tests.checks.creds import HARDENED, WEAK, LogTail, per_account, services
from tests.helpers import run_check, service_target
from tests.lab import lab

pytestmark = pytest.mark.lab
FAILED = re.compile(r"\[(\S+)\] FAIL LOGIN")


def test_weak_local_user_found(lab_state: lab.LabState) -> None:
    log = LogTail(lab_state.state_dir / "logs" / "vsftpd-creds-weak-auth.log")
    attempt = run_check(FtpWeakPassword, service_target(WEAK, 21, "ftp"), services=services())
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert (finding.location, finding.severity) == ("21/tcp account user", Severity.HIGH)
    assert finding.evidence == (
        "ftp login accepted for account 'user': its password is on the weak and default password "
        "list (c******* (8 characters)); 8 logins tried by this check"
    )
    assert per_account(attempt.credential_tries) == Counter({"ftp": 3, "admin": 3, "user": 2})
    text = log.new()
    assert Counter(FAILED.findall(text)) == Counter({"ftp": 3, "admin": 3, "user": 1})
    assert "[user] OK LOGIN" in text


def test_hardened_passes_and_the_host_budget_is_shared_with_ssh(lab_state: lab.LabState) -> None:
    run = services()
    # SSH logins to root and admin spent part of the same accounts' budget on this host
    run.ledger.take("ssh", HARDENED, 22, "ssh", "admin", 1e12)
    run.ledger.take("ssh", HARDENED, 22, "ssh", "admin", 1e12)
    log = LogTail(lab_state.state_dir / "logs" / "vsftpd-creds-hardened-auth.log")
    target = service_target(HARDENED, 21, "ftp")
    attempt = run_check(FtpWeakPassword, target, services=run, timeout=30)
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert per_account(attempt.credential_tries) == Counter({"ftp": 3, "admin": 1, "user": 3})
    assert Counter(FAILED.findall(log.new())) == Counter({"ftp": 3, "admin": 1, "user": 3})


def test_tls_only_server_is_not_applicable(lab_state: lab.LabState) -> None:
    attempt = run_check(
        FtpWeakPassword, service_target(lab.HARDENED_ADDR, 21, "ftp"), services=services()
    )
    assert attempt.status == AttemptStatus.NOT_APPLICABLE, attempt.reason
    assert "refuses USER before any password" in attempt.reason


def test_an_account_other_checks_used_up_makes_it_inconclusive(lab_state: lab.LabState) -> None:
    run = services()
    for _ in range(3):  # SSH spent admin's three logins on this host
        run.ledger.take("ssh", HARDENED, 22, "ssh", "admin", 1e12)
    target = service_target(HARDENED, 21, "ftp")
    attempt = run_check(FtpWeakPassword, target, services=run, timeout=30)
    assert attempt.status == AttemptStatus.ERROR  # not tried is not fixed: never a pass
    assert attempt.reason.startswith("Inconclusive: not tried: admin (their logins")
    assert per_account(attempt.credential_tries) == Counter({"ftp": 3, "user": 3})
