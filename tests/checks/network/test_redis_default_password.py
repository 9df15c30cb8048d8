"""net.redis-default-password (intrusive) against the lab's real redis-servers: the weak host's
6380 (requirepass foobared), its 6379 (no password) and the hardened host's (random password).

Intrusive checks are skipped by the engine unless the inventory opts in, so the check is run
directly here, as the engine would run it once opted in.
"""

from __future__ import annotations

import pytest

from checks.creds._policy import masked
from checks.network.redis_default_password import RedisDefaultPassword
from checks.network.redis_no_auth import RedisNoAuth
from scanner.core.models import AttemptStatus, CredentialTries, ErrorReason, Severity
from scanner.engine.context import RunServices
from scanner.engine.credentials import CredentialPolicy
from scanner.transport.ratelimit import TokenBucket
from tests.helpers import LOOPBACK_ONLY, loaded, run_check, service_target
from tests.lab import lab

pytestmark = pytest.mark.lab


def with_passwords(passwords: object) -> RunServices:
    return RunServices(
        guard=LOOPBACK_ONLY,
        bucket=TokenBucket(1000),
        settings={"net.redis-default-password": {"passwords": passwords}},
        credential_tests=CredentialPolicy(pause=0.05),
    )


def test_is_intrusive() -> None:
    assert loaded(RedisDefaultPassword).meta.intrusive
    assert "checks.intrusive" in loaded(RedisDefaultPassword).meta.description


def test_weak_redis_with_sample_password(lab_state: lab.LabState) -> None:
    target = service_target(lab.WEAK_ADDR, 6380, "redis")
    attempt = run_check(RedisDefaultPassword, target)
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.severity == Severity.HIGH
    assert finding.location == "6380/tcp"
    assert finding.evidence == (
        "AUTH accepted the well-known password 'f******* (8 characters)' (1 AUTH tried); the "
        "server had answered PING with -NOAUTH"
    )
    assert finding.detail == {"masked": "f******* (8 characters)", "tried": 1}
    assert attempt.credential_tries == (
        CredentialTries(lab.WEAK_ADDR, 6380, "redis", "default", 1),
    )
    assert lab.WEAK_REDIS_DEFAULT_PASSWORD not in repr(finding)
    # the plain no-auth check passes on it: a password is required
    assert run_check(RedisNoAuth, target).status == AttemptStatus.PASS


def test_password_found_later_in_a_custom_list(lab_state: lab.LabState) -> None:
    services = with_passwords(["admin", "changeme", "foobared", "never-tried"])
    attempt = run_check(RedisDefaultPassword, service_target(lab.WEAK_ADDR, 6380, "redis"),
                        services=services)  # fmt: skip
    assert attempt.status == AttemptStatus.FAIL
    assert attempt.findings[0].detail == {"masked": "f******* (8 characters)", "tried": 3}


def test_at_most_max_attempts_auth_per_run(lab_state: lab.LabState) -> None:
    services = with_passwords(["admin", "changeme", "redis", "foobared"])
    target = service_target(lab.WEAK_ADDR, 6380, "redis")
    attempt = run_check(RedisDefaultPassword, target, services=services)
    assert attempt.status == AttemptStatus.PASS  # foobared would be the 4th: never sent
    assert attempt.credential_tries == (
        CredentialTries(lab.WEAK_ADDR, 6380, "redis", "default", 3),
    )
    # the run's budget is spent: a second attempt in the same run sends nothing
    again = run_check(RedisDefaultPassword, target, services=services)
    assert again.status == AttemptStatus.ERROR and "used up" in again.reason


def test_hardened_redis_random_password_passes(lab_state: lab.LabState) -> None:
    attempt = run_check(RedisDefaultPassword, service_target(lab.HARDENED_ADDR, 6379, "redis"))
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert attempt.findings == ()


def test_redis_without_password_is_not_applicable(lab_state: lab.LabState) -> None:
    attempt = run_check(RedisDefaultPassword, service_target(lab.WEAK_ADDR, 6379, "redis"))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE
    assert attempt.reason == (
        "Redis requires no password (PING answered '+PONG'; see net.redis-no-auth)"
    )


def test_non_redis_service_is_not_applicable(lab_state: lab.LabState) -> None:
    attempt = run_check(RedisDefaultPassword, service_target(lab.WEAK_ADDR, 80, "redis"))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE
    assert "HTTP/1.1 400" in attempt.reason


def test_bad_setting_is_inconclusive(lab_state: lab.LabState) -> None:
    attempt = run_check(RedisDefaultPassword, service_target(lab.WEAK_ADDR, 6380, "redis"),
                        services=with_passwords({"not": "a list"}))  # fmt: skip
    assert attempt.status == AttemptStatus.ERROR
    assert attempt.error_reason == ErrorReason.INCONCLUSIVE


def test_masked_like_every_credential_check() -> None:
    assert masked("foobared") == "f******* (8 characters)"  # checks/creds/_policy.py
