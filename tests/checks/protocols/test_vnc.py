"""checks.protocols.vnc against TigerVNC's answers recorded in the lab, and hostile ones."""

from __future__ import annotations

import struct

import pytest

from checks.protocols import vnc
from scanner.api import NotApplicable
from tests.checks.protocols import recorded
from tests.checks.protocols.peer import answering


def test_recorded_tigervnc_handshake() -> None:
    with answering(recorded.VNC_BANNER + recorded.VNC_SECURITY_TYPES) as peer:
        answer = vnc.handshake(peer.conn)
        assert peer.sent() == b"RFB 003.008\n"
    assert answer == vnc.Handshake("RFB 003.008", [vnc.NO_AUTHENTICATION])


def test_rfb_3_3_server_picks_the_type() -> None:
    with answering(b"RFB 003.003\n" + struct.pack(">I", 2)) as peer:
        assert vnc.handshake(peer.conn).security_types == [2]


def test_refused_session_reason_is_capped() -> None:
    reason = b"Too many security failures" + b"!" * 100000
    data = b"RFB 003.008\n\x00" + struct.pack(">I", 0xFFFFFFFF) + reason
    with answering(data) as peer:
        answer = vnc.handshake(peer.conn)
    assert answer.security_types == [0] and answer.refused.startswith("Too many")
    assert len(answer.refused) <= 120


@pytest.mark.parametrize(
    "banner", [b"SSH-2.0-OpenSSH_9.2\r\n", b"RFB 003.008", b"RFB abc.def\n", b"RFB"]
)
def test_hostile_banners_are_not_vnc(banner: bytes) -> None:
    with pytest.raises(NotApplicable):
        vnc.parse_banner(banner)
