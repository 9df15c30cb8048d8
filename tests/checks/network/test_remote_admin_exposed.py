"""net.remote-admin-exposed: against the lab's real TigerVNC (Xvnc) and Samba smbd on the weak
host, and a scripted RDP peer (no RDP server in the lab)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest

from checks.network.remote_admin_exposed import RemoteAdminExposed
from checks.protocols.rdp import X224_REQUEST
from scanner.core.models import AttemptStatus, ErrorReason, Exposure, Severity
from tests.helpers import run_check, service_target
from tests.lab import lab


@pytest.mark.lab
def test_weak_vnc_without_password(lab_state: lab.LabState) -> None:
    attempt = run_check(RemoteAdminExposed, service_target(lab.WEAK_ADDR, 5900, "vnc"))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.check_id == "net.remote-admin-exposed"
    assert finding.severity == Severity.MEDIUM
    assert finding.location == "5900/tcp"
    assert finding.evidence == (
        "VNC reachable on an internet-exposed asset: banner 'RFB 003.008'; security types "
        "offered: None (no authentication)"
    )
    assert finding.detail == {
        "protocol": "VNC",
        "rfb": "RFB 003.008",
        "security_types": [1],
        "no_authentication": True,
    }


@pytest.mark.lab
def test_weak_smb(lab_state: lab.LabState) -> None:
    attempt = run_check(RemoteAdminExposed, service_target(lab.WEAK_ADDR, 445, "microsoft-ds"))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.location == "445/tcp"
    assert finding.evidence == (
        "SMB reachable on an internet-exposed asset: SMB2 NEGOTIATE answered (dialect 3.0.2, "
        "signing not required)"
    )
    assert finding.detail == {
        "protocol": "SMB",
        "smb": 2,
        "status": 0,
        "dialect": "3.0.2",
        "signing_required": False,
    }


@pytest.mark.lab
def test_internal_vnc_is_not_applicable(lab_state: lab.LabState) -> None:
    target = service_target(lab.WEAK_ADDR, 5900, "vnc", exposure=Exposure.INTERNAL)
    attempt = run_check(RemoteAdminExposed, target)
    assert attempt.status == AttemptStatus.NOT_APPLICABLE
    assert attempt.reason == "not internet-exposed"


@pytest.mark.lab
def test_hardened_host_has_no_remote_admin(lab_state: lab.LabState) -> None:
    for port in (5900, 445, 139, 3389):
        assert not lab.tcp_accepts(lab.HARDENED_ADDR, port), port
    attempt = run_check(RemoteAdminExposed, service_target(lab.HARDENED_ADDR, 5900, "vnc"))
    assert attempt.status == AttemptStatus.ERROR
    assert attempt.error_reason == ErrorReason.CONNECTIVITY


@pytest.mark.lab
@pytest.mark.parametrize(("port", "name", "says"), [
    (22, "vnc", "does not speak VNC (RFB): 'SSH-2.0-Open'"),
    (80, "microsoft-ds", "does not speak SMB: 'HTTP'"),
    (80, "ms-wbt-server", "does not speak RDP (TPKT): 'HTTP'"),
])  # fmt: skip
def test_other_protocols_are_not_applicable(
    lab_state: lab.LabState, port: int, name: str, says: str
) -> None:
    attempt = run_check(RemoteAdminExposed, service_target(lab.WEAK_ADDR, port, name))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE
    assert attempt.reason == f"the service {says}"


@contextlib.contextmanager
def rdp_peer(answer: bytes) -> Iterator[int]:
    """Answers one X.224 Connection Request with ``answer``."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(3)
                assert conn.recv(64) == X224_REQUEST
                conn.sendall(answer)
                conn.recv(64)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        thread.join(5)
        listener.close()


@pytest.mark.parametrize(("neg", "what"), [
    (bytes.fromhex("0200080002000000"), "selected protocol: CredSSP (NLA)"),
    (bytes.fromhex("0300080005000000"), "negotiation failure: CredSSP required by server"),
    (b"", "no negotiation response (standard RDP security only)"),
])  # fmt: skip
def test_rdp_connection_confirm(neg: bytes, what: str) -> None:
    tpdu = bytes([6 + len(neg), 0xD0, 0, 0, 0x12, 0x34, 0]) + neg
    with rdp_peer(b"\x03\x00" + (4 + len(tpdu)).to_bytes(2, "big") + tpdu) as port:
        attempt = run_check(RemoteAdminExposed, service_target("127.0.0.1", port, "ms-wbt-server"))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.evidence == (
        f"RDP reachable on an internet-exposed asset: X.224 Connection Confirm, {what}"
    )


def test_vnc_refusing_the_session_is_still_reachable() -> None:
    # What TigerVNC says to a client it has blacklisted: RFB 3.3, security type 0, a reason.
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    reason = b"Too many security failures"

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(3)
                conn.sendall(b"RFB 003.003\n")
                assert conn.recv(12) == b"RFB 003.003\n"
                conn.sendall(b"\0\0\0\0" + len(reason).to_bytes(4, "big") + reason)
                conn.recv(64)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        port = listener.getsockname()[1]
        attempt = run_check(RemoteAdminExposed, service_target("127.0.0.1", port, "vnc"))
    finally:
        thread.join(5)
        listener.close()
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    assert attempt.findings[0].evidence == (
        "VNC reachable on an internet-exposed asset: banner 'RFB 003.003'; the server refused "
        "the session: 'Too many security failures'"
    )
