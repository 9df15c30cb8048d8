"""The transports write what they send and receive into the attempt's exchange log: a TCP
connection both directions in order, a UDP exchange, and an HTTP request with its response
(through the check context, so a response fetched once is evidence of every check reading it)."""

from __future__ import annotations

import socket
import threading
import time

from scanner.core.evidence import ExchangeLog
from scanner.engine.context import CheckContext, RunServices
from scanner.transport.net import Connection, udp_exchange
from scanner.transport.ratelimit import TokenBucket
from tests.helpers import LOOPBACK_ONLY
from tests.hostile_http import html_page, site_server


def test_a_connection_records_both_directions_with_addresses() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def answer() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(100)
            conn.sendall(b"+PONG\r\n")

    thread = threading.Thread(target=answer)
    thread.start()
    log = ExchangeLog()
    sock = socket.create_connection(("127.0.0.1", port))
    with Connection(sock, time.monotonic() + 5, log=log) as conn:
        conn.send(b"PING\r\n")
        assert conn.recv_until(b"\r\n") == b"+PONG\r\n"
    thread.join(5)
    server.close()
    [x] = log.exchanges()
    assert (x.kind, x.destination, x.sent, x.received) == (
        "tcp",
        f"127.0.0.1:{port}",
        b"PING\r\n",
        b"+PONG\r\n",
    )
    assert x.turns == ((">", 6), ("<", 7))
    assert x.source.startswith("127.0.0.1:") and x.started_at <= x.ended_at


def test_a_udp_exchange_is_recorded() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def answer() -> None:
        data, peer = server.recvfrom(100)
        server.sendto(b"re:" + data, peer)

    thread = threading.Thread(target=answer)
    thread.start()
    log = ExchangeLog()
    assert udp_exchange("127.0.0.1", port, b"q", time.monotonic() + 5, log=log) == b"re:q"
    thread.join(5)
    server.close()
    [x] = log.exchanges()
    assert (x.kind, x.destination, x.sent, x.received) == (
        "udp",
        f"127.0.0.1:{port}",
        b"q",
        b"re:q",
    )


def test_a_shared_http_response_is_evidence_of_every_check_that_reads_it() -> None:
    services = RunServices(guard=LOOPBACK_ONLY, bucket=TokenBucket(1000))
    page = html_page("<p>hello</p>", 200, ("Set-Cookie", "sid=s3ss10n; HttpOnly"))
    try:
        with site_server(lambda method, path, raw: page) as url:
            first = CheckContext(services, "web.a", time.monotonic() + 5)
            second = CheckContext(services, "web.b", time.monotonic() + 5)
            first.http_get(url)
            second.http_get(url)
            assert services.http_requests_sent() == 1
    finally:
        services.close()
    for ctx in (first, second):
        [x] = ctx.log.exchanges()
        assert x.kind == "http" and x.label == f"GET {url}"
        assert x.sent.startswith(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:")
        assert x.received.startswith(b"HTTP/1.0 200 OK\r\n")  # the version the server spoke
        assert x.received.endswith(b"<p>hello</p>")
        assert b"sid=***; HttpOnly" in x.received and b"s3ss10n" not in x.received
        assert x.destination == url.removeprefix("http://").rstrip("/")
