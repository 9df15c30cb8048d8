"""tls.cert-untrusted against the lab: with the lab CA declared (extra_ca_files) only the weak
host's self-signed certificate is untrusted; without it every lab-CA certificate is too."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.tls.cert_untrusted import CertUntrusted
from scanner.core.models import AttemptStatus, ErrorReason
from tests.checks.tls.lab_tls import CA_SUBJECT, ENDPOINTS, findings, label, run, services, subject
from tests.lab import lab

pytestmark = pytest.mark.lab

SELF_SIGNED = [
    (
        "medium",
        "127.0.10.1:443 presents a self-signed certificate CN=127.0.10.1,O=Inspection Lab that "
        "is not a trusted root",
    )
]


@pytest.mark.parametrize("name", ENDPOINTS)
def test_with_the_lab_ca_declared(lab_state: lab.LabState, name: str) -> None:
    attempt = run(CertUntrusted, name, lab_state)
    expected = SELF_SIGNED if name == "weak" else []
    assert attempt.status == (AttemptStatus.FAIL if expected else AttemptStatus.PASS), (
        attempt.reason
    )
    assert findings(attempt) == expected


NO_EXTRA_CAS = services()  # one run without extra_ca_files for this module: one scan each


@pytest.mark.parametrize("name", ENDPOINTS)
def test_without_extra_cas(lab_state: lab.LabState, name: str) -> None:
    attempt = run(CertUntrusted, name, lab_state, NO_EXTRA_CAS)
    if name == "weak":
        assert findings(attempt) == SELF_SIGNED
        assert attempt.findings[0].detail["self_signed"] is True
        return
    assert findings(attempt) == [
        (
            "medium",
            f"{label(name)} presents certificate {subject(name)} issued by {CA_SUBJECT} that "
            "does not chain to a trusted root",
        )
    ]
    detail = attempt.findings[0].detail
    assert detail["self_signed"] is False
    assert detail["trust_stores"][0].startswith("Mozilla NSS trust store ")


def test_one_path_as_a_string_and_the_ca_bundled_with_others(
    lab_state: lab.LabState, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle.pem"
    weak = (lab_state.state_dir / "tls" / "weak.crt").read_text()
    bundle.write_text(weak + lab_state.ca_pem.read_text())
    svc = services(**{"tls.cert-untrusted": {"extra_ca_files": str(bundle)}})
    for name in ("weak", "hardened", "legacy"):  # weak: its self-signed leaf is now declared
        assert run(CertUntrusted, name, lab_state, svc).status == AttemptStatus.PASS, name


def test_unreadable_extra_ca_file_is_inconclusive(lab_state: lab.LabState, tmp_path: Path) -> None:
    svc = services(**{"tls.cert-untrusted": {"extra_ca_files": [str(tmp_path / "missing.pem")]}})
    attempt = run(CertUntrusted, "hardened", lab_state, svc)
    assert attempt.status == AttemptStatus.ERROR
    assert attempt.error_reason == ErrorReason.INCONCLUSIVE
    assert "extra_ca_files: cannot use" in attempt.reason and "missing.pem" in attempt.reason
