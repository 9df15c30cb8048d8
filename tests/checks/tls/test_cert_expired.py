"""tls.cert-expired against the lab: only tls:443 (lab CA, valid 2020-2021) has expired."""

from __future__ import annotations

import pytest

from checks.tls.cert_expired import CertExpired
from scanner.core.models import AttemptStatus
from tests.checks.tls.lab_tls import ENDPOINTS, findings, run
from tests.lab import lab

EXPECTED = {
    "expired": [
        (
            "high",
            "127.0.10.4:443 presents certificate CN=127.0.10.4,O=Inspection Lab that expired on "
            "2021-01-01 00:00:00 UTC",
        )
    ],
}


@pytest.mark.lab
@pytest.mark.parametrize("name", ENDPOINTS)
def test_findings_per_lab_endpoint(lab_state: lab.LabState, name: str) -> None:
    attempt = run(CertExpired, name, lab_state)
    expected = EXPECTED.get(name, [])
    assert attempt.status == (AttemptStatus.FAIL if expected else AttemptStatus.PASS), (
        attempt.reason
    )
    assert findings(attempt) == expected
    if expected:
        assert attempt.findings[0].detail["not_after"] == "2021-01-01 00:00:00 UTC"
