"""Shared by the TLS check tests: the lab's TLS endpoints, how to run a check on one, and one
run's services for the whole session (so the suite scans each endpoint once).

The lab's ``tls`` host (127.0.10.4) has one weakness per port; the weak and hardened hosts serve
HTTPS on 443. The hardened host's certificate and the tls host's come from the lab CA, which the
shared services declare in ``extra_ca_files``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509

from scanner.core.models import Attempt
from scanner.engine.check import Check
from scanner.engine.context import RunServices
from scanner.transport.ratelimit import TokenBucket
from tests.helpers import LOOPBACK_ONLY, run_check, url_target
from tests.lab import lab

#: name -> (address, port); names match the certificate files of the lab.
ENDPOINTS: dict[str, tuple[str, int]] = {
    "weak": (lab.WEAK_ADDR, 443),
    "hardened": (lab.HARDENED_ADDR, 443),
    "expired": (lab.TLS_ADDR, 443),
    "notyet": (lab.TLS_ADDR, 8443),
    "legacy": (lab.TLS_ADDR, 9443),
    "mismatch": (lab.TLS_ADDR, 10443),
    "expiring": (lab.TLS_ADDR, 11443),
}
CA_SUBJECT = "CN=Inspection Lab CA,O=Inspection Lab"


def label(name: str) -> str:
    address, port = ENDPOINTS[name]
    return f"{address}:{port}"


def url(name: str) -> str:
    return f"https://{label(name)}/"


def subject(name: str) -> str:
    """The leaf's subject as the checks print it."""
    cn = "www.other.invalid" if name == "mismatch" else ENDPOINTS[name][0]
    return f"CN={cn},O=Inspection Lab"


def certificate(state: lab.LabState, name: str) -> x509.Certificate:
    """The certificate the lab serves on endpoint ``name``."""
    if name in ("weak", "hardened"):
        path = state.state_dir / "tls" / f"{name}.crt"
    else:
        path = state.state_dir / "tls-lab" / f"{name}.crt"
    return x509.load_pem_x509_certificate(Path(path).read_bytes())


def days_left(state: lab.LabState, name: str) -> int:
    return (certificate(state, name).not_valid_after_utc - datetime.now(UTC)).days


def services(state: lab.LabState | None = None, /, **settings: Mapping[str, object]) -> RunServices:
    """Fresh run services on loopback; with ``state``, the lab CA is an extra trusted CA."""
    merged: dict[str, dict[str, object]] = {}
    if state is not None:
        merged["tls.cert-untrusted"] = {"extra_ca_files": [str(state.ca_pem)]}
    for check_id, values in settings.items():
        merged.setdefault(check_id, {}).update(values)
    return RunServices(guard=LOOPBACK_ONLY, bucket=TokenBucket(1000), settings=merged)


@functools.cache
def _shared(ca_pem: str) -> RunServices:
    return RunServices(
        guard=LOOPBACK_ONLY,
        bucket=TokenBucket(1000),
        settings={"tls.cert-untrusted": {"extra_ca_files": [ca_pem]}},
    )


def shared(state: lab.LabState) -> RunServices:
    """One run's services for the whole test session: each endpoint is scanned once."""
    return _shared(str(state.ca_pem))


def run(
    cls: type[Check], name: str, state: lab.LabState, svc: RunServices | None = None
) -> Attempt:
    """Run ``cls`` on the https:// URL of lab endpoint ``name``."""
    address = ENDPOINTS[name][0]
    return run_check(cls, url_target(url(name), address), services=svc or shared(state), timeout=30)


def findings(attempt: Attempt) -> list[tuple[str, str]]:
    """(severity, evidence) of each finding; every one located at the attempt's location."""
    assert all(f.location == attempt.location for f in attempt.findings)
    return [(f.severity.value, f.evidence) for f in attempt.findings]


def inject(svc: RunServices, facts: object, name: str, port: int = 443) -> None:
    """Put made-up scan facts in ``svc``'s memo for https://NAME:PORT/ (no network then)."""
    svc.facts.get(("tls", name, port, name), lambda: facts)
