"""tls.cert-hostname-mismatch against the lab (tls:10443 serves www.other.invalid) and the
RFC 6125 matching rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from checks.tls._facts import CertFacts
from checks.tls.cert_hostname_mismatch import CertHostnameMismatch, dns_match, names_host
from scanner.core.models import AttemptStatus
from tests.checks.tls.lab_tls import ENDPOINTS, findings, run
from tests.helpers import run_check, url_target
from tests.lab import lab

EXPECTED = {
    "mismatch": [
        (
            "medium",
            "127.0.10.4:10443 presents certificate CN=www.other.invalid,O=Inspection Lab for "
            "www.other.invalid, not for 127.0.10.4",
        )
    ],
}


@pytest.mark.lab
@pytest.mark.parametrize("name", ENDPOINTS)
def test_findings_per_lab_endpoint(lab_state: lab.LabState, name: str) -> None:
    attempt = run(CertHostnameMismatch, name, lab_state)
    expected = EXPECTED.get(name, [])
    assert attempt.status == (AttemptStatus.FAIL if expected else AttemptStatus.PASS), (
        attempt.reason
    )
    assert findings(attempt) == expected


@pytest.mark.lab
def test_the_name_in_the_url_counts_not_the_address(lab_state: lab.LabState) -> None:
    # Reached as portal.lab.invalid (the address is the hardened host's): its certificate names
    # IP:127.0.10.2 only.
    target = url_target("https://portal.lab.invalid/", lab.HARDENED_ADDR)
    attempt = run_check(CertHostnameMismatch, target, timeout=30)
    assert findings(attempt) == [
        (
            "medium",
            "portal.lab.invalid:443 presents certificate CN=127.0.10.2,O=Inspection Lab for "
            "127.0.10.2, not for portal.lab.invalid",
        )
    ]


def cert(
    *,
    dns: tuple[str, ...] = (),
    ips: tuple[str, ...] = (),
    cns: tuple[str, ...] = (),
    san: bool = True,
) -> CertFacts:
    now = datetime.now(UTC)
    return CertFacts(
        "CN=x", "CN=ca", cns, san, dns, ips, now, now, False, "RSA", 2048, "", "sha256", "00", b""
    )


def test_dns_and_wildcards() -> None:
    assert dns_match("Portal.Example.", "portal.example")
    assert dns_match("www.example.com", "*.example.com")
    assert not dns_match("example.com", "*.example.com")
    assert not dns_match("a.b.example.com", "*.example.com")
    assert not dns_match("anything.com", "*.com")  # a wildcard needs two labels under it
    assert dns_match("bücher.example", "xn--bcher-kva.example")


def test_ip_addresses_match_ip_sans_only_and_cn_only_without_san() -> None:
    assert names_host(cert(ips=("192.0.2.1",)), "192.0.2.1")
    assert not names_host(cert(dns=("192.0.2.1",)), "192.0.2.1")
    assert names_host(cert(ips=("2001:db8::1",)), "2001:DB8:0::1")
    assert not names_host(cert(cns=("portal.example",), dns=("www.example",)), "portal.example")
    assert names_host(cert(cns=("portal.example",), san=False), "portal.example")
    assert names_host(cert(cns=("192.0.2.1",), san=False), "192.0.2.1")
