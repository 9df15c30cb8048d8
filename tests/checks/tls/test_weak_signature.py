"""tls.weak-signature against the lab: only tls:9443 serves a SHA-1 signed certificate."""

from __future__ import annotations

import pytest

from checks.tls.weak_signature import WeakSignature
from scanner.core.models import AttemptStatus
from tests.checks.tls.lab_tls import ENDPOINTS, findings, run
from tests.lab import lab

pytestmark = pytest.mark.lab

EXPECTED = {
    "legacy": [
        (
            "medium",
            "127.0.10.4:9443 sends certificates with weak signatures: leaf "
            "CN=127.0.10.4,O=Inspection Lab: SHA-1",
        )
    ],
}


@pytest.mark.parametrize("name", ENDPOINTS)
def test_findings_per_lab_endpoint(lab_state: lab.LabState, name: str) -> None:
    attempt = run(WeakSignature, name, lab_state)
    expected = EXPECTED.get(name, [])
    assert attempt.status == (AttemptStatus.FAIL if expected else AttemptStatus.PASS), (
        attempt.reason
    )
    assert findings(attempt) == expected
