"""tls.weak-key against the lab: only tls:9443 serves a 1024-bit RSA key."""

from __future__ import annotations

import pytest

from checks.tls.weak_key import WeakKey
from scanner.core.models import AttemptStatus
from tests.checks.tls.lab_tls import ENDPOINTS, findings, run, services
from tests.lab import lab

pytestmark = pytest.mark.lab

EXPECTED = {
    "legacy": [
        (
            "medium",
            "127.0.10.4:9443 sends weak keys: leaf CN=127.0.10.4,O=Inspection Lab: RSA 1024 bits "
            "(minimum 2048)",
        )
    ],
}


@pytest.mark.parametrize("name", ENDPOINTS)
def test_findings_per_lab_endpoint(lab_state: lab.LabState, name: str) -> None:
    attempt = run(WeakKey, name, lab_state)
    expected = EXPECTED.get(name, [])
    assert attempt.status == (AttemptStatus.FAIL if expected else AttemptStatus.PASS), (
        attempt.reason
    )
    assert findings(attempt) == expected


def test_minimum_is_a_setting(lab_state: lab.LabState) -> None:
    svc = services(lab_state, **{"tls.weak-key": {"min_rsa_bits": 3072}})
    attempt = run(WeakKey, "hardened", lab_state, svc)
    assert findings(attempt) == [
        (
            "medium",
            "127.0.10.2:443 sends weak keys: leaf CN=127.0.10.2,O=Inspection Lab: RSA 2048 bits "
            "(minimum 3072)",
        )
    ]
