"""tls.cert-not-yet-valid against the lab: only tls:8443 (valid 2040-2041)."""

from __future__ import annotations

import pytest

from checks.tls.cert_not_yet_valid import CertNotYetValid
from scanner.core.models import AttemptStatus
from tests.checks.tls.lab_tls import ENDPOINTS, findings, run
from tests.lab import lab

EXPECTED = {
    "notyet": [
        (
            "high",
            "127.0.10.4:8443 presents certificate CN=127.0.10.4,O=Inspection Lab that is not "
            "valid before 2040-01-01 00:00:00 UTC",
        )
    ],
}


@pytest.mark.lab
@pytest.mark.parametrize("name", ENDPOINTS)
def test_findings_per_lab_endpoint(lab_state: lab.LabState, name: str) -> None:
    attempt = run(CertNotYetValid, name, lab_state)
    expected = EXPECTED.get(name, [])
    assert attempt.status == (AttemptStatus.FAIL if expected else AttemptStatus.PASS), (
        attempt.reason
    )
    assert findings(attempt) == expected
