"""net.ssh-legacy-version: the banner parser, and the lab's real sshd (current Debian 12)."""

from __future__ import annotations

import pytest

from checks.network.ssh_legacy_version import SshLegacyVersion, assess
from scanner.core.models import AttemptStatus
from tests.helpers import run_check, service_target
from tests.lab import lab

pytestmark = pytest.mark.lab


@pytest.mark.parametrize(
    ("banner", "reasons"),
    [
        ("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10", []),
        ("SSH-2.0-OpenSSH_8.0", []),
        ("SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7", ["OpenSSH 7.4 is older than 8.0"]),
        (
            "SSH-1.99-OpenSSH_3.9p1",
            ["protocol 1 accepted (SSH-1.99)", "OpenSSH 3.9 is older than 8.0"],
        ),
        ("SSH-1.5-Cisco-1.25", ["protocol 1 only (SSH-1.5)"]),
        ("SSH-2.0-dropbear_2019.78", ["Dropbear 2019.78 is older than 2020.79"]),
        ("SSH-2.0-dropbear_2022.83", []),
        ("SSH-2.0-ROSSSH", []),
    ],
)
def test_assess_banner(banner: str, reasons: list[str]) -> None:
    assert assess(banner) == reasons


def test_assess_honours_thresholds() -> None:
    assert assess("SSH-2.0-OpenSSH_9.2p1", min_openssh="9.3") == ["OpenSSH 9.2 is older than 9.3"]
    with pytest.raises(ValueError, match="not an SSH identification"):
        assess("HTTP/1.1 400 Bad Request")


@pytest.mark.parametrize("address", [lab.WEAK_ADDR, lab.HARDENED_ADDR])
def test_lab_sshd_is_current(lab_state: lab.LabState, address: str) -> None:
    attempt = run_check(SshLegacyVersion, service_target(address, 22, "ssh"))
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert attempt.findings == ()


def test_http_named_ssh_is_not_applicable(lab_state: lab.LabState) -> None:
    attempt = run_check(SshLegacyVersion, service_target(lab.WEAK_ADDR, 80, "ssh"))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE, attempt.reason
    assert "HTTP/1.1 400" in attempt.reason
