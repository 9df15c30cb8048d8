"""tls.weak-cipher against the lab (CBC-only TLS 1.0 on the weak host; NULL, anonymous and
CBC-only TLS 1.0 on tls:9443), and the categories on made-up scans (suites this OpenSSL lacks)."""

from __future__ import annotations

import pytest

from checks.tls._facts import Endpoint, TlsFacts
from checks.tls.weak_cipher import WeakCipher, weak_suites
from scanner.core.models import AttemptStatus
from tests.checks.tls.lab_tls import ENDPOINTS, findings, run
from tests.lab import lab

EXPECTED = {
    "weak": [
        (
            "medium",
            "127.0.10.1:443 accepts weak cipher suites: CBC only with TLS 1.0: "
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "
            "TLS_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_AES_256_CBC_SHA",
        )
    ],
    "legacy": [
        (
            "medium",
            "127.0.10.4:9443 accepts weak cipher suites: NULL: TLS_RSA_WITH_NULL_SHA256; "
            "anonymous: TLS_ECDH_anon_WITH_AES_128_CBC_SHA; CBC only with TLS 1.0: "
            "TLS_ECDH_anon_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_AES_128_CBC_SHA",
        )
    ],
}


@pytest.mark.lab
@pytest.mark.parametrize("name", ENDPOINTS)
def test_findings_per_lab_endpoint(lab_state: lab.LabState, name: str) -> None:
    attempt = run(WeakCipher, name, lab_state)
    expected = EXPECTED.get(name, [])
    assert attempt.status == (AttemptStatus.FAIL if expected else AttemptStatus.PASS), (
        attempt.reason
    )
    assert findings(attempt) == expected


def facts(*suites: tuple[str, tuple[str, ...]]) -> TlsFacts:
    ep = Endpoint("x.example", "127.0.10.99", 443)
    return TlsFacts(ep, ep.address, suites, (), (), 0.0)


def test_categories() -> None:
    scan = facts(
        ("SSL 3.0", ("TLS_RSA_EXPORT_WITH_RC4_40_MD5", "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA")),
        ("TLS 1.0", ("TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA")),
        (
            "TLS 1.2",
            (
                "TLS_DHE_RSA_WITH_DES_CBC_SHA",
                "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
                "TLS_DH_anon_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_NULL_SHA",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            ),
        ),
        ("TLS 1.3", ("TLS_AES_128_GCM_SHA256",)),
    )
    assert weak_suites(scan) == {
        "export": ["TLS_RSA_EXPORT_WITH_RC4_40_MD5", "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"],
        "NULL": ["TLS_ECDHE_ECDSA_WITH_NULL_SHA"],
        "anonymous": ["TLS_DH_anon_WITH_AES_256_GCM_SHA384"],
        "RC4": ["TLS_RSA_EXPORT_WITH_RC4_40_MD5", "TLS_RSA_WITH_RC4_128_SHA"],
        "DES": ["TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", "TLS_DHE_RSA_WITH_DES_CBC_SHA"],
        "3DES": ["TLS_RSA_WITH_3DES_EDE_CBC_SHA"],
        # TLS 1.0 also offers RC4 (reported above), so it is not CBC-only
    }


def test_modern_suites_pass_and_cbc_with_tls12_only_is_fine() -> None:
    scan = facts(
        ("TLS 1.0", ()),
        (
            "TLS 1.2",
            ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
        ),
        ("TLS 1.3", ("TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256")),
    )
    assert weak_suites(scan) == {}
