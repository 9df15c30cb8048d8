"""checks.protocols.ftp against vsftpd's greeting recorded in the lab, and hostile replies."""

from __future__ import annotations

import time

import pytest

from checks.protocols import ftp
from scanner.api import Inconclusive
from tests.checks.protocols import recorded
from tests.checks.protocols.peer import answering


def test_recorded_vsftpd_greeting() -> None:
    with answering(recorded.FTP_BANNER) as peer:
        assert ftp.read_reply(peer.conn) == (220, recorded.FTP_BANNER)
    assert ftp.show(recorded.FTP_BANNER) == "220 (vsFTPd 3.0.3)"


def test_multi_line_reply_waits_for_its_last_line() -> None:
    reply = b"230-Welcome\r\n230-second line\r\n230 Login successful.\r\n"
    with answering(reply, close=False) as peer:
        assert ftp.read_reply(peer.conn, wait=1) == (230, reply)


def test_other_protocols_are_code_0() -> None:
    with answering(b"SSH-2.0-OpenSSH_9.2\r\n") as peer:
        assert ftp.read_reply(peer.conn)[0] == 0


def test_an_endless_reply_is_capped() -> None:
    with answering(b"220-" + b"x" * 100000) as peer:
        started = time.monotonic()
        code, data = ftp.read_reply(peer.conn)
    assert (code, len(data)) == (220, 8192) and time.monotonic() - started < 2


def test_a_close_without_reply_is_inconclusive() -> None:
    with answering(b"") as peer, pytest.raises(Inconclusive):
        ftp.read_reply(peer.conn)
