"""net.ssh-weak-algorithms against the lab's real sshd (legacy algorithms vs modern only)."""

from __future__ import annotations

import struct

import pytest

from checks.network.ssh_weak_algorithms import SshWeakAlgorithms, weak_algorithms
from checks.protocols.ssh import parse_kexinit
from scanner.core.models import AttemptStatus, Severity
from tests.helpers import run_check, service_target
from tests.lab import lab

pytestmark = pytest.mark.lab


def test_weak_sshd_offers_weak_algorithms(lab_state: lab.LabState) -> None:
    attempt = run_check(SshWeakAlgorithms, service_target(lab.WEAK_ADDR, 22, "ssh"))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.severity == Severity.MEDIUM
    assert finding.evidence.startswith("weak algorithms offered by SSH-2.0-OpenSSH_")
    detail = finding.detail
    assert {"diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1"} <= set(detail["kex"])
    assert {"ssh-dss", "ssh-rsa (1024 bits)"} <= set(detail["hostkey"])
    assert {"aes128-cbc", "3des-cbc"} <= set(detail["cipher"])
    assert {"hmac-sha1", "hmac-md5"} <= set(detail["mac"])
    assert "hostkey: ssh-dss, ssh-rsa (1024 bits)" in finding.evidence


def test_hardened_sshd_offers_modern_algorithms_only(lab_state: lab.LabState) -> None:
    attempt = run_check(SshWeakAlgorithms, service_target(lab.HARDENED_ADDR, 22, "ssh"))
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert attempt.findings == ()


def test_http_named_ssh_is_not_applicable(lab_state: lab.LabState) -> None:
    attempt = run_check(SshWeakAlgorithms, service_target(lab.WEAK_ADDR, 80, "ssh"))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE, attempt.reason
    assert "HTTP/1.1 400" in attempt.reason


def test_kexinit_parser_and_weak_list() -> None:
    lists = [
        b"curve25519-sha256,gss-group14-sha1-abc==",
        b"ssh-ed25519,ssh-dss",
        b"aes256-gcm@openssh.com,rijndael-cbc@lysator.liu.se",
        b"chacha20-poly1305@openssh.com,arcfour256",
        b"hmac-sha2-256-etm@openssh.com,hmac-sha1-etm@openssh.com",
        b"umac-64@openssh.com",
        b"none",
        b"none",
        b"",
        b"",
    ]
    payload = bytes([20]) + bytes(16) + b"".join(struct.pack(">I", len(x)) + x for x in lists)
    payload += bytes(5)  # first_kex_packet_follows, reserved
    assert weak_algorithms(parse_kexinit(payload)) == {
        "kex": ["gss-group14-sha1-abc=="],
        "hostkey": ["ssh-dss"],
        "cipher": ["rijndael-cbc@lysator.liu.se", "arcfour256"],
        "mac": ["hmac-sha1-etm@openssh.com", "umac-64@openssh.com"],
    }
    with pytest.raises(ValueError, match="KEXINIT"):
        parse_kexinit(bytes([21]) + bytes(16))
    with pytest.raises(ValueError, match="overruns"):
        parse_kexinit(payload[:40])
