"""cred.http-basic-weak-password against nginx basic authentication on creds-weak (admin /
changeme) and creds-hardened (random), and a site without basic authentication."""

from __future__ import annotations

from collections import Counter

import pytest

from checks.creds.http_basic_weak_password import HttpBasicWeakPassword
from scanner.core.models import AttemptStatus, Severity
from tests.checks.creds import HARDENED, WEAK, per_account, services
from tests.helpers import run_check, service_target
from tests.lab import lab

pytestmark = pytest.mark.lab


def test_weak_console_login_found(lab_state: lab.LabState) -> None:
    target = service_target(WEAK, 80, "http")
    attempt = run_check(HttpBasicWeakPassword, target, services=services())
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert (finding.location, finding.severity) == ("80/tcp account admin", Severity.HIGH)
    assert finding.evidence == (
        "http login accepted for account 'admin': its password is on the weak and default "
        "password list (c******* (8 characters)); 5 logins tried by this check "
        "(http://127.0.10.20:80/, 200)"
    )
    assert per_account(attempt.credential_tries) == Counter({"admin": 3, "tomcat": 1, "root": 1})


def test_hardened_console_passes(lab_state: lab.LabState) -> None:
    target = service_target(HARDENED, 80, "http")
    attempt = run_check(HttpBasicWeakPassword, target, services=services())
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert max(per_account(attempt.credential_tries).values()) == 3


def test_site_without_basic_auth_is_not_applicable(lab_state: lab.LabState) -> None:
    target = service_target(lab.WEAK_ADDR, 80, "http")
    attempt = run_check(HttpBasicWeakPassword, target, services=services())
    assert attempt.status == AttemptStatus.NOT_APPLICABLE
    assert attempt.credential_tries == ()
