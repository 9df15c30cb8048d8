"""tls.cert-expiring-soon against the lab: tls:11443 expires in 7-10 days (the lab remakes it
below 7); any other lab certificate only if it really is within 30 days of its end."""

from __future__ import annotations

import pytest

from checks.tls.cert_expiring_soon import CertExpiringSoon
from scanner.core.models import AttemptStatus
from tests.checks.tls.lab_tls import (
    ENDPOINTS,
    certificate,
    days_left,
    findings,
    label,
    run,
    services,
    subject,
)
from tests.lab import lab


def expected(state: lab.LabState, name: str, days: int) -> list[tuple[str, str]]:
    left = days_left(state, name)
    if left < 0 or left >= days:
        return []
    end = certificate(state, name).not_valid_after_utc.strftime("%Y-%m-%d %H:%M:%S UTC")
    return [
        (
            "low",
            f"{label(name)} presents certificate {subject(name)} that expires on {end}, in "
            f"{left} days (threshold: {days} days)",
        )
    ]


@pytest.mark.lab
@pytest.mark.parametrize("name", ENDPOINTS)
def test_findings_per_lab_endpoint(lab_state: lab.LabState, name: str) -> None:
    before = expected(lab_state, name, 30)
    attempt = run(CertExpiringSoon, name, lab_state)
    after = expected(lab_state, name, 30)
    assert findings(attempt) in (before, after)  # the same unless a day boundary passed
    assert attempt.status == (AttemptStatus.FAIL if after else AttemptStatus.PASS), attempt.reason
    if name == "expiring":
        assert after and lab.TLS_EXPIRING_MIN_DAYS - 1 <= days_left(lab_state, name) < 10


@pytest.mark.lab
def test_threshold_is_a_setting(lab_state: lab.LabState) -> None:
    svc = services(lab_state, **{"tls.cert-expiring-soon": {"days": 3}})
    attempt = run(CertExpiringSoon, "expiring", lab_state, svc)
    assert attempt.status == AttemptStatus.PASS, attempt.findings
