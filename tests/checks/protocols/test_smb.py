"""checks.protocols.smb against Samba's NEGOTIATE answer recorded in the lab, and hostile ones."""

from __future__ import annotations

import struct

import pytest

from checks.protocols import smb
from scanner.api import NotApplicable
from tests.checks.protocols import recorded
from tests.checks.protocols.peer import answering


def test_negotiate_request_layout() -> None:
    request = smb.negotiate_request()
    assert struct.unpack(">I", request[:4])[0] == len(request) - 4
    assert request[4:8] == b"\xfeSMB"
    assert request.endswith(b"".join(struct.pack("<H", d) for d in smb.DIALECTS))


def test_recorded_samba_answer() -> None:
    with answering(recorded.SMB2_NEGOTIATE_ANSWER) as peer:
        answer = smb.negotiate(peer.conn)
        assert peer.sent() == smb.negotiate_request()
    assert answer.version == 2 and answer.status == 0
    assert answer.dialect in smb.DIALECTS


def test_smb1_answer() -> None:
    assert smb.parse_negotiate(b"\xffSMBr" + b"\x00" * 40) == smb.Negotiation(version=1)


def test_netbios_session_refused() -> None:
    with answering(b"\x83\x00\x00\x01\x82") as peer, pytest.raises(smb.SessionRefused):
        smb.netbios_session(peer.conn)


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\xff\xff\xff",  # 16 MiB announced
        b"\x00\x00\x00\x40" + b"\xfeSMB" + b"\x00" * 10,  # shorter than a header
        b"SSH-2.0-OpenSSH_9.2\r\n",
    ],
)
def test_hostile_answers_are_not_smb(data: bytes) -> None:
    with answering(data) as peer, pytest.raises(NotApplicable):
        smb.negotiate(peer.conn)
