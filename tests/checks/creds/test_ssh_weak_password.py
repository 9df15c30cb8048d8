"""cred.ssh-weak-password against the lab's sshd of creds-weak (pi / raspberry) and
creds-hardened (the same accounts, random passwords); sshd's own log counts the logins."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from checks.creds.ssh_weak_password import SshWeakPassword
from scanner.core.models import AttemptStatus, Severity
from tests.checks.creds import HARDENED, WEAK, LogTail, per_account, services
from tests.helpers import loaded, run_check, service_target
from tests.lab import lab

pytestmark = pytest.mark.lab
FAILED = re.compile(r"Failed password for (?:invalid user )?(\S+) from")


def test_is_an_intrusive_credential_check() -> None:
    meta = loaded(SshWeakPassword).meta
    assert meta.intrusive and meta.credentials and meta.family == "creds"


def test_weak_host_vendor_default_found_and_masked(lab_state: lab.LabState) -> None:
    log = LogTail(lab_state.state_dir / "logs" / "sshd-creds-weak.log")
    attempt = run_check(SshWeakPassword, service_target(WEAK, 22, "ssh"), services=services())
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.severity == Severity.CRITICAL
    assert finding.location == "22/tcp account pi"
    assert finding.evidence == (
        "ssh login accepted for account 'pi': its password is on the weak and default password "
        "list (r******** (9 characters)); 4 logins tried by this check"
    )
    assert finding.detail == {
        "account": "pi",
        "password_masked": "r******** (9 characters)",
        "logins_tried": 4,
    }
    assert "raspberry" not in repr(attempt)
    assert per_account(attempt.credential_tries) == Counter({"root": 2, "admin": 1, "pi": 1})
    text = log.new()
    assert Counter(FAILED.findall(text)) == Counter({"root": 2, "admin": 1})
    assert "Accepted password for pi" in text


def test_hardened_host_passes_within_three_logins_per_account(lab_state: lab.LabState) -> None:
    log = LogTail(lab_state.state_dir / "logs" / "sshd-creds-hardened.log")
    attempt = run_check(
        SshWeakPassword, service_target(HARDENED, 22, "ssh"), services=services(), timeout=30
    )
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    tried = per_account(attempt.credential_tries)
    assert tried == Counter({"root": 3, "admin": 3, "pi": 1, "ubnt": 1, "cisco": 1})
    assert Counter(FAILED.findall(log.new())) == tried  # the server saw exactly these


def test_two_logins_per_connection_when_the_policy_allows(lab_state: lab.LabState) -> None:
    log = LogTail(lab_state.state_dir / "logs" / "sshd-creds-hardened.log")
    run = services(per_connection=2, max_attempts=2)
    attempt = run_check(SshWeakPassword, service_target(HARDENED, 22, "ssh"), services=run)
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    text = log.new()
    logins = re.findall(
        r"Failed password for (?:invalid user )?(\S+) from \S+ port (\d+) ssh2", text
    )
    per_connection = Counter(port for _user, port in logins)
    assert len(logins) == 7 and max(per_connection.values()) == 2  # never more than 2 on one
    # one account per connection: OpenSSH refuses a change of user name
    assert all(len({u for u, p in logins if p == port}) == 1 for port in per_connection)
    assert "Change of username" not in text


def test_publickey_only_server_is_not_applicable(lab_state: lab.LabState) -> None:
    target = service_target(lab.HARDENED_ADDR, 22, "ssh")
    attempt = run_check(SshWeakPassword, target, services=services())
    assert attempt.status == AttemptStatus.NOT_APPLICABLE
    assert "does not offer password logins (allowed: publickey)" in attempt.reason
