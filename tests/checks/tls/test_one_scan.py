"""The TLS checks share one sslyze scan per endpoint; the scan stays in scope, in time, and
honest about endpoints that do not speak TLS."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from checks.tls import _facts, _scan
from checks.tls.cert_expired import CertExpired
from checks.tls.cert_expiring_soon import CertExpiringSoon
from checks.tls.cert_hostname_mismatch import CertHostnameMismatch
from checks.tls.cert_not_yet_valid import CertNotYetValid
from checks.tls.cert_untrusted import CertUntrusted
from checks.tls.legacy_protocol import LegacyProtocol
from checks.tls.weak_cipher import WeakCipher
from checks.tls.weak_key import WeakKey
from checks.tls.weak_signature import WeakSignature
from scanner.core.models import Attempt, AttemptStatus, ErrorReason, Severity
from scanner.engine.check import Check
from scanner.engine.context import RunServices
from scanner.scope.guard import ScopeGuard
from scanner.transport.ratelimit import TokenBucket
from tests.checks.tls.lab_tls import ENDPOINTS, days_left, label, run, services, url
from tests.helpers import run_check, service_target, url_target
from tests.hostile import hostile_server
from tests.lab import lab

TLS_CHECKS: tuple[type[Check], ...] = (
    LegacyProtocol,
    WeakCipher,
    CertExpired,
    CertNotYetValid,
    CertExpiringSoon,
    CertUntrusted,
    CertHostnameMismatch,
    WeakKey,
    WeakSignature,
)


@pytest.fixture
def sslyze_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[str, int]]:
    """Counts sslyze scans per (ip, port) while the test runs."""
    calls: Counter[tuple[str, int]] = Counter()
    real = _scan.run_sslyze

    def counting(ep: _facts.Endpoint, ip: str, deadline: float) -> Any:
        calls[(ip, ep.port)] += 1
        return real(ep, ip, deadline)

    monkeypatch.setattr(_scan, "run_sslyze", counting)
    return calls


@pytest.mark.lab
def test_one_scan_per_endpoint_serves_every_tls_check(
    lab_state: lab.LabState, sslyze_calls: Counter[tuple[str, int]]
) -> None:
    svc = services(lab_state)
    jobs = [(cls, name) for name in ENDPOINTS for cls in TLS_CHECKS]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:  # concurrent, as the engine runs them
        attempts = list(pool.map(lambda job: run(job[0], job[1], lab_state, svc), jobs))
    elapsed = time.monotonic() - started
    assert sslyze_calls == Counter({ENDPOINTS[name]: 1 for name in ENDPOINTS})
    assert len(svc.facts) == len(ENDPOINTS)
    assert all(a.status in (AttemptStatus.PASS, AttemptStatus.FAIL) for a in attempts), [
        (a.check_id, a.location, a.reason) for a in attempts if a.status not in ("pass", "fail")
    ]
    assert elapsed < 20, elapsed  # seven endpoints; about 1-3 s here

    by_endpoint: dict[str, set[str]] = {}
    for (_cls, name), attempt in zip(jobs, attempts, strict=True):
        by_endpoint.setdefault(name, set()).update(f.check_id for f in attempt.findings)
    assert by_endpoint == {
        "weak": {"tls.legacy-protocol", "tls.weak-cipher", "tls.cert-untrusted"}
        | _expiring_soon_if_due(lab_state, "weak"),
        "hardened": set() | _expiring_soon_if_due(lab_state, "hardened"),
        "expired": {"tls.cert-expired"},
        "notyet": {"tls.cert-not-yet-valid"},
        "legacy": {
            "tls.legacy-protocol",
            "tls.weak-cipher",
            "tls.weak-key",
            "tls.weak-signature",
        },
        "mismatch": {"tls.cert-hostname-mismatch"},
        "expiring": {"tls.cert-expiring-soon"},
    }
    hardened = [
        f
        for (_cls, name), a in zip(jobs, attempts, strict=True)
        if name == "hardened"
        for f in a.findings
    ]
    assert not [f for f in hardened if f.severity.rank >= Severity.MEDIUM.rank]


def _expiring_soon_if_due(state: lab.LabState, name: str) -> set[str]:
    return {"tls.cert-expiring-soon"} if 0 <= days_left(state, name) < 30 else set()


@pytest.mark.lab
def test_discovered_tls_service_without_url(lab_state: lab.LabState) -> None:
    # A TLS service discovery named "ssl" (not HTTP): a service target, located by port.
    attempt = run_check(WeakKey, service_target(lab.TLS_ADDR, 9443, "ssl"), timeout=30)
    assert attempt.location == "9443/tcp"
    assert [f.evidence for f in attempt.findings] == [
        "127.0.10.4:9443 sends weak keys: leaf CN=127.0.10.4,O=Inspection Lab: RSA 1024 bits "
        "(minimum 2048)"
    ]


@pytest.mark.parametrize("cls", TLS_CHECKS)
def test_every_check_skips_plain_http(cls: type[Check]) -> None:
    attempt = run_check(cls, url_target("http://127.0.10.4:8080/", "127.0.10.4"))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE, attempt.reason


@pytest.mark.lab
def test_out_of_scope_endpoint_is_refused_before_sslyze(
    lab_state: lab.LabState, sslyze_calls: Counter[tuple[str, int]]
) -> None:
    svc = RunServices(guard=ScopeGuard(["127.0.10.1/32"]), bucket=TokenBucket(1000))
    attempt = run(LegacyProtocol, "legacy", lab_state, svc)
    assert attempt.status == AttemptStatus.ERROR
    assert attempt.error_reason == ErrorReason.OUT_OF_SCOPE
    assert not sslyze_calls


@pytest.mark.lab
def test_endpoint_that_does_not_speak_tls(lab_state: lab.LabState) -> None:
    # Plain HTTP behind an https:// URL: no handshake completes; nothing is claimed either way.
    attempts = [
        run_check(cls, url_target(f"https://{lab.WEAK_ADDR}:80/", lab.WEAK_ADDR), timeout=30)
        for cls in (LegacyProtocol, CertExpired)
    ]
    for attempt in attempts:
        assert attempt.status == AttemptStatus.ERROR
        assert attempt.error_reason == ErrorReason.INCONCLUSIVE, attempt.reason
        assert f"{lab.WEAK_ADDR}:80 completed no TLS handshake" in attempt.reason


@pytest.mark.lab
def test_closed_port_is_a_connectivity_error(lab_state: lab.LabState) -> None:
    attempt = run_check(CertExpired, url_target(f"https://{lab.TLS_ADDR}:9/", lab.TLS_ADDR))
    assert attempt.status == AttemptStatus.ERROR
    assert attempt.error_reason == ErrorReason.CONNECTIVITY


@pytest.mark.parametrize("mode", ["silent", "drip", "garbage", "endless", "close"])
def test_hostile_endpoint_ends_in_time(mode: str) -> None:
    with hostile_server(mode) as (address, port):
        started = time.monotonic()
        attempt: Attempt = run_check(
            LegacyProtocol, url_target(f"https://{address}:{port}/", address), timeout=4
        )
        elapsed = time.monotonic() - started
    assert attempt.status == AttemptStatus.ERROR, attempt.reason
    assert attempt.error_reason in (
        ErrorReason.TIMEOUT,
        ErrorReason.INCONCLUSIVE,
        ErrorReason.CONNECTIVITY,
    ), attempt.reason
    assert elapsed < 6, elapsed


@pytest.mark.lab
def test_facts_are_small_and_frozen(lab_state: lab.LabState) -> None:
    svc = services(lab_state)
    run(WeakCipher, "weak", lab_state, svc)
    assert len(svc.facts) == 1
    # object, not None: the memo already holds the facts, so the producer is never called
    facts: object = svc.facts.get(("tls", lab.WEAK_ADDR, 443, lab.WEAK_ADDR), lambda: None)
    assert isinstance(facts, _facts.TlsFacts)
    assert facts.endpoint.label == label("weak") and url("weak").endswith(f"{label('weak')}/")
    assert facts.protocols == ("TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3")
    assert len(facts.chain) == 1 and facts.chain[0].self_signed
    with pytest.raises(AttributeError):
        facts.ip = "x"  # type: ignore[misc]
