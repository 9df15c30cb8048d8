"""cred.telnet-weak-password against inetutils telnetd and /bin/login of creds-weak
(supervisor / zyad1234, a ZyXEL default) and creds-hardened (random passwords).

login(1) logs its failures to syslog only, which the lab's hosts do not run: the logins are
counted from the attempt here, and the SSH and FTP daemons' logs show the shared budget in
tests/integration/test_credentials_lab.py."""

from __future__ import annotations

from collections import Counter

import pytest

from checks.creds.telnet_weak_password import TelnetWeakPassword
from scanner.core.models import AttemptStatus, Severity
from tests.checks.creds import HARDENED, WEAK, per_account, services
from tests.helpers import run_check, service_target
from tests.lab import lab

pytestmark = pytest.mark.lab


def test_weak_device_default_found(lab_state: lab.LabState) -> None:
    target = service_target(WEAK, 23, "telnet")
    attempt = run_check(TelnetWeakPassword, target, services=services())
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert (finding.location, finding.severity) == ("23/tcp account supervisor", Severity.CRITICAL)
    assert finding.detail == {
        "account": "supervisor",
        "password_masked": "z******* (8 characters)",
        "logins_tried": 3,
    }
    assert "zyad1234" not in repr(attempt)
    assert per_account(attempt.credential_tries) == Counter(
        {"root": 1, "admin": 1, "supervisor": 1}
    )


def test_hardened_passes_and_retries_on_the_same_connection(lab_state: lab.LabState) -> None:
    target = service_target(HARDENED, 23, "telnet")
    attempt = run_check(TelnetWeakPassword, target, services=services(per_connection=3))
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert per_account(attempt.credential_tries) == Counter(
        {"root": 3, "admin": 3, "supervisor": 1, "support": 1}
    )


def test_a_service_without_login_prompt_is_not_applicable(lab_state: lab.LabState) -> None:
    target = service_target(lab.WEAK_ADDR, 21, "telnet")  # FTP's banner, no login prompt
    attempt = run_check(TelnetWeakPassword, target, services=services())
    assert attempt.status == AttemptStatus.NOT_APPLICABLE, attempt.reason
    assert attempt.credential_tries == ()
