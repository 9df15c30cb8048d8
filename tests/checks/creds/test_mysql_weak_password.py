"""cred.mysql-weak-password against MariaDB of creds-weak (admin / changeme) and
creds-hardened (random); the server's own log counts the refused logins."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from checks.creds.mysql_weak_password import MysqlWeakPassword
from scanner.core.models import AttemptStatus, Severity
from tests.checks.creds import HARDENED, WEAK, LogTail, per_account, services
from tests.helpers import run_check, service_target
from tests.lab import lab

pytestmark = pytest.mark.lab
DENIED = re.compile(r"Access denied for user '([^']*)'@")


def test_weak_account_found(lab_state: lab.LabState) -> None:
    log = LogTail(lab_state.state_dir / "logs" / "mariadb-creds-weak.log")
    attempt = run_check(MysqlWeakPassword, service_target(WEAK, 3306, "mysql"), services=services())
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert (finding.location, finding.severity) == ("3306/tcp account admin", Severity.CRITICAL)
    assert finding.evidence == (
        "mysql login accepted for account 'admin': its password is on the weak and default "
        "password list (c******* (8 characters)); 5 logins tried by this check"
    )
    assert per_account(attempt.credential_tries) == Counter({"root": 3, "admin": 2})
    assert Counter(DENIED.findall(log.new())) == Counter({"root": 3, "admin": 1})


def test_hardened_passes_within_three_logins_per_account(lab_state: lab.LabState) -> None:
    log = LogTail(lab_state.state_dir / "logs" / "mariadb-creds-hardened.log")
    target = service_target(HARDENED, 3306, "mysql")
    attempt = run_check(MysqlWeakPassword, target, services=services())
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert Counter(DENIED.findall(log.new())) == Counter({"root": 3, "admin": 3})
