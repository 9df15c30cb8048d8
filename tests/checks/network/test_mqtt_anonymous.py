"""net.mqtt-anonymous against the lab's real mosquitto (anonymous vs password file), and nginx."""

from __future__ import annotations

import pytest

from checks.network.mqtt_anonymous import MqttAnonymous
from scanner.core.models import AttemptStatus, Severity
from tests.helpers import run_check, service_target
from tests.lab import lab

pytestmark = pytest.mark.lab


def test_weak_broker_accepts_anonymous(lab_state: lab.LabState) -> None:
    attempt = run_check(MqttAnonymous, service_target(lab.WEAK_ADDR, 1883, "mqtt"))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.check_id == "net.mqtt-anonymous"
    assert finding.severity == Severity.HIGH
    assert finding.location == "1883/tcp"
    assert finding.evidence == (
        "CONNECT without user name or password accepted: CONNACK return code 0 (session present 0)"
    )
    assert finding.detail["return_code"] == 0


def test_hardened_broker_refuses_anonymous(lab_state: lab.LabState) -> None:
    attempt = run_check(MqttAnonymous, service_target(lab.HARDENED_ADDR, 1883, "mqtt"))
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert attempt.findings == ()


def test_http_named_mqtt_is_not_applicable(lab_state: lab.LabState) -> None:
    # nginx answers the binary CONNECT with an HTTP 400: not MQTT, and certainly not a pass.
    attempt = run_check(MqttAnonymous, service_target(lab.WEAK_ADDR, 80, "mqtt"))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE
    assert "HTTP/1.1 400" in attempt.reason
