"""cred.postgres-weak-password against PostgreSQL of creds-weak (postgres / changeme, SCRAM)
and creds-hardened (random); the server's own log counts the failed logins."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from checks.creds.postgres_weak_password import PostgresWeakPassword
from scanner.core.models import AttemptStatus, Severity
from tests.checks.creds import HARDENED, WEAK, LogTail, per_account, services
from tests.helpers import run_check, service_target
from tests.lab import lab

pytestmark = pytest.mark.lab
FAILED = re.compile(r'password authentication failed for user "([^"]+)"')


def test_weak_superuser_password_found_at_the_third_login(lab_state: lab.LabState) -> None:
    log = LogTail(lab_state.state_dir / "logs" / "postgres-creds-weak.log")
    target = service_target(WEAK, 5432, "postgresql")
    attempt = run_check(PostgresWeakPassword, target, services=services())
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert (finding.location, finding.severity) == ("5432/tcp account postgres", Severity.CRITICAL)
    assert finding.detail["password_masked"] == "c******* (8 characters)"
    assert per_account(attempt.credential_tries) == Counter({"postgres": 3})
    assert Counter(FAILED.findall(log.new())) == Counter({"postgres": 2})


def test_the_third_login_is_the_last(lab_state: lab.LabState) -> None:
    target = service_target(WEAK, 5432, "postgresql")
    attempt = run_check(PostgresWeakPassword, target, services=services(max_attempts=2))
    assert attempt.status == AttemptStatus.PASS  # changeme is the 3rd: never tried
    assert per_account(attempt.credential_tries) == Counter({"postgres": 2})


def test_hardened_passes_within_three_logins(lab_state: lab.LabState) -> None:
    log = LogTail(lab_state.state_dir / "logs" / "postgres-creds-hardened.log")
    target = service_target(HARDENED, 5432, "postgresql")
    attempt = run_check(PostgresWeakPassword, target, services=services())
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert Counter(FAILED.findall(log.new())) == Counter({"postgres": 3})


def test_user_list_entries_come_before_the_common_passwords(
    lab_state: lab.LabState,
) -> None:
    run = services(entries=(("postgres", "changeme"),), builtin=False)
    attempt = run_check(
        PostgresWeakPassword, service_target(WEAK, 5432, "postgresql"), services=run
    )
    assert attempt.status == AttemptStatus.FAIL
    assert per_account(attempt.credential_tries) == Counter({"postgres": 1})
