"""net.redis-no-auth against the lab's real redis-server (no password vs requirepass)."""

from __future__ import annotations

import pytest

from checks.network.redis_no_auth import RedisNoAuth
from scanner.core.models import AttemptStatus, Severity
from tests.helpers import run_check, service_target
from tests.lab import lab

pytestmark = pytest.mark.lab


def test_weak_redis_answers_without_auth(lab_state: lab.LabState) -> None:
    attempt = run_check(RedisNoAuth, service_target(lab.WEAK_ADDR, 6379, "redis"))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.severity == Severity.CRITICAL
    assert finding.location == "6379/tcp"
    assert finding.evidence.startswith("PING answered +PONG without AUTH; redis_version:")
    assert "redis_version" in finding.detail


def test_hardened_redis_requires_auth(lab_state: lab.LabState) -> None:
    attempt = run_check(RedisNoAuth, service_target(lab.HARDENED_ADDR, 6379, "redis"))
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert attempt.findings == ()


def test_non_redis_service_is_not_applicable(lab_state: lab.LabState) -> None:
    # nginx on port 80 answers PING with an HTTP 400: not Redis, and certainly not a pass.
    attempt = run_check(RedisNoAuth, service_target(lab.WEAK_ADDR, 80, "redis"))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE
    assert "HTTP/1.1 400" in attempt.reason
