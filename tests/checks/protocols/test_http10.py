"""checks.protocols.http10 against an answer recorded from the lab's nginx, and hostile ones."""

from __future__ import annotations

import pytest

from checks.protocols import http10
from scanner.api import NotApplicable
from tests.checks.protocols import recorded
from tests.checks.protocols.peer import answering


def test_request_brackets_ipv6_hosts() -> None:
    assert b"Host: [2001:db8::1]:9200\r\n" in http10.request("2001:db8::1", 9200)
    assert http10.request("192.0.2.1", 80).startswith(b"GET / HTTP/1.0\r\nHost: 192.0.2.1:80\r\n")


def test_recorded_nginx_answer() -> None:
    with answering(recorded.HTTP10_ANSWER) as peer:
        response = http10.get(peer.conn, "127.0.10.1", 80)
        assert peer.sent() == http10.request("127.0.10.1", 80)
    assert response is not None
    assert response.url == "http://127.0.10.1:80/" and response.status == 200
    assert response.headers["server"].startswith("nginx")
    assert len(response.body) == int(response.headers["content-length"])


def test_a_tls_alert_or_a_close_is_no_answer() -> None:
    with answering(b"\x15\x03\x01\x00\x02\x02\x46") as peer:
        assert http10.get(peer.conn, "192.0.2.1", 9200) is None
    with answering(b"") as peer:
        assert http10.get(peer.conn, "192.0.2.1", 9200) is None


def test_another_protocol_is_not_http() -> None:
    with answering(b"SSH-2.0-OpenSSH_9.2\r\n\r\n") as peer, pytest.raises(NotApplicable):
        http10.get(peer.conn, "192.0.2.1", 9200)


def test_hostile_sizes_are_capped() -> None:
    headers = b"".join(b"X-%d: y\r\n" % i for i in range(500))
    answer = b"HTTP/1.0 200 OK\r\nContent-Length: 99999999999\r\n" + headers + b"\r\n"
    with answering(answer + b"b" * 200000) as peer:
        response = http10.get(peer.conn, "192.0.2.1", 9200)
    assert response is not None
    assert len(response.headers) <= http10.MAX_HEADERS and len(response.body) == http10.MAX_BODY


def test_an_endless_head_stops_at_its_cap() -> None:
    with answering(b"HTTP/1.0 200 OK\r\n" + b"X: y\r\n" * 10000) as peer:
        response = http10.get(peer.conn, "192.0.2.1", 9200)
    assert response is not None and response.body == b""
    assert peer.conn.read_left >= (1 << 20) - http10.MAX_HEAD
