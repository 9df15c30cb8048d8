"""cred.mqtt-weak-password against mosquitto of creds-weak (admin / changeme) and
creds-hardened (random), and the weak host's anonymous broker (not applicable)."""

from __future__ import annotations

from collections import Counter

import pytest

from checks.creds.mqtt_weak_password import MqttWeakPassword
from scanner.core.models import AttemptStatus, Severity
from tests.checks.creds import HARDENED, WEAK, LogTail, per_account, services
from tests.helpers import run_check, service_target
from tests.lab import lab

pytestmark = pytest.mark.lab
REFUSED = "Client <unknown> disconnected, not authorised."


def test_weak_broker_login_found(lab_state: lab.LabState) -> None:
    log = LogTail(lab_state.state_dir / "logs" / "mosquitto-creds-weak-auth.log")
    attempt = run_check(MqttWeakPassword, service_target(WEAK, 1883, "mqtt"), services=services())
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert (finding.location, finding.severity) == ("1883/tcp account admin", Severity.HIGH)
    tried = per_account(attempt.credential_tries)
    assert tried == Counter({"admin": 3, "mosquitto": 1, "guest": 1})
    text = log.new()
    # refused: 4 logins and the anonymous CONNECT; the 5th login was accepted
    assert text.count(REFUSED) == 5
    assert "as scanner-probe (p2, c1, k10, u'admin')" in text


def test_hardened_broker_passes(lab_state: lab.LabState) -> None:
    log = LogTail(lab_state.state_dir / "logs" / "mosquitto-creds-hardened-auth.log")
    target = service_target(HARDENED, 1883, "mqtt")
    attempt = run_check(MqttWeakPassword, target, services=services())
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert log.new().count(REFUSED) == sum(t.tries for t in attempt.credential_tries) + 1


def test_anonymous_broker_is_not_applicable(lab_state: lab.LabState) -> None:
    target = service_target(lab.WEAK_ADDR, 1883, "mqtt")
    attempt = run_check(MqttWeakPassword, target, services=services())
    assert attempt.status == AttemptStatus.NOT_APPLICABLE
    assert "net.mqtt-anonymous" in attempt.reason and attempt.credential_tries == ()
