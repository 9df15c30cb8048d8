"""checks.protocols.ssh against OpenSSH's banner and KEXINIT recorded in the lab, and hostile
packets."""

from __future__ import annotations

import struct

import pytest

from checks.protocols import ssh
from scanner.api import Inconclusive, NotApplicable
from tests.checks.protocols import recorded
from tests.checks.protocols.peer import answering


def kexinit(*lists: bytes) -> bytes:
    return (
        bytes([ssh.SSH_MSG_KEXINIT])
        + b"\x00" * 16
        + b"".join(struct.pack(">I", len(x)) + x for x in lists)
    )


def test_recorded_openssh_kexinit() -> None:
    with answering(recorded.SSH_BANNER_AND_KEXINIT) as peer:
        banner, payload = ssh.read_kexinit(peer.conn)
        assert peer.sent() == ssh.OUR_BANNER
    assert banner == "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10"
    lists = ssh.parse_kexinit(payload)
    assert list(lists) == list(ssh.LISTS)
    assert "curve25519-sha256" in lists["kex"] and lists["compression_c2s"]


def test_lines_before_the_banner_are_allowed() -> None:
    data = b"hello\r\n" + recorded.SSH_BANNER_AND_KEXINIT
    with answering(data) as peer:
        assert ssh.read_kexinit(peer.conn)[0].startswith("SSH-2.0-OpenSSH")


def test_parse_round_trip_and_truncation() -> None:
    names = [b"a,b", b"c", b"d", b"d", b"e", b"e", b"none", b"none", b"", b""]
    assert ssh.parse_kexinit(kexinit(*names))["kex"] == ["a", "b"]
    with pytest.raises(ValueError, match="truncated"):
        ssh.parse_kexinit(kexinit(*names[:5]))
    with pytest.raises(ValueError, match="overruns"):
        ssh.parse_kexinit(kexinit(b"a") + struct.pack(">I", 0xFFFFFFFF))
    with pytest.raises(ValueError, match="not an SSH_MSG_KEXINIT"):
        ssh.parse_kexinit(b"\x15")


def test_absurd_packet_length_is_not_ssh() -> None:
    data = b"SSH-2.0-x\r\n" + struct.pack(">I", 0x7FFFFFFF) + b"\x04"
    with answering(data) as peer, pytest.raises(NotApplicable, match="implausible"):
        ssh.read_kexinit(peer.conn)


def test_other_protocols_and_truncation() -> None:
    with answering(b"220 (vsFTPd 3.0.3)\r\n") as peer, pytest.raises(NotApplicable):
        ssh.read_kexinit(peer.conn)
    cut = recorded.SSH_BANNER_AND_KEXINIT[:100]
    with answering(cut) as peer, pytest.raises(Inconclusive, match="inside its KEXINIT"):
        ssh.read_kexinit(peer.conn)
