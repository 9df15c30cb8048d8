"""tls.legacy-protocol against the lab: TLS 1.0/1.1 on the weak host and on tls:9443 only."""

from __future__ import annotations

import pytest

from checks.tls._facts import Endpoint, TlsFacts
from checks.tls.legacy_protocol import LegacyProtocol
from scanner.core.models import AttemptStatus
from tests.checks.tls.lab_tls import ENDPOINTS, findings, inject, run, services
from tests.helpers import run_check, url_target
from tests.lab import lab

EXPECTED = {
    "weak": [("medium", "127.0.10.1:443 accepts legacy protocol versions: TLS 1.0, TLS 1.1")],
    "legacy": [("medium", "127.0.10.4:9443 accepts legacy protocol versions: TLS 1.0, TLS 1.1")],
}


@pytest.mark.lab
@pytest.mark.parametrize("name", ENDPOINTS)
def test_findings_per_lab_endpoint(lab_state: lab.LabState, name: str) -> None:
    attempt = run(LegacyProtocol, name, lab_state)
    expected = EXPECTED.get(name, [])
    assert attempt.status == (AttemptStatus.FAIL if expected else AttemptStatus.PASS), (
        attempt.reason
    )
    assert findings(attempt) == expected
    if expected:
        assert attempt.findings[0].detail["legacy"] == ["TLS 1.0", "TLS 1.1"]
        assert attempt.findings[0].detail["accepted"][-1] in ("TLS 1.2", "TLS 1.3")


def test_ssl3_is_high() -> None:
    ep = Endpoint("127.0.10.99", "127.0.10.99", 443)
    facts = TlsFacts(
        ep,
        ep.address,
        (("SSL 2.0", ()), ("SSL 3.0", ("TLS_RSA_WITH_AES_128_CBC_SHA",)), ("TLS 1.0", ())),
        (),
        (),
        0.0,
    )
    svc = services()
    inject(svc, facts, ep.name)
    attempt = run_check(
        LegacyProtocol, url_target("https://127.0.10.99/", ep.address), services=svc
    )
    assert findings(attempt) == [
        ("high", "127.0.10.99:443 accepts legacy protocol versions: SSL 3.0")
    ]


def test_a_version_that_could_not_be_tested_is_inconclusive() -> None:
    ep = Endpoint("127.0.10.99", "127.0.10.99", 443)
    facts = TlsFacts(
        ep, ep.address, (("TLS 1.2", ("X",)),), (("SSL 2.0", "CONNECTIVITY_ISSUE"),), (), 0
    )
    svc = services()
    inject(svc, facts, ep.name)
    attempt = run_check(
        LegacyProtocol, url_target("https://127.0.10.99/", ep.address), services=svc
    )
    assert attempt.status == AttemptStatus.ERROR
    assert attempt.error_reason is not None and attempt.error_reason.value == "inconclusive"
    assert "could not test SSL 2.0 (CONNECTIVITY_ISSUE)" in attempt.reason


def test_plain_http_url_is_not_applicable() -> None:
    attempt = run_check(LegacyProtocol, url_target("http://127.0.10.4/", "127.0.10.4"))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE
    assert attempt.reason == "http://127.0.10.4/ is not an https:// URL: no TLS"
