"""A minimal HTTP/1.0 GET on a check's own bounded connection.

For ports that may or may not speak plain HTTP (an Elasticsearch port may speak only HTTPS):
every read is capped in time and size, so a peer dripping bytes cannot hold the check past its
deadline, and the answer is judged as HTTP only when it has a status line. The head is capped
at 16 KiB, 100 header lines and a 64 KiB body (to Content-Length, else to the close).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from checks.protocols.wire import WAIT, read_exact, read_until
from scanner.api import (
    Connection,
    DeadlineExceeded,
    Inconclusive,
    NotApplicable,
    one_line,
    url_host,
)

MAX_HEAD = 16384
MAX_HEADERS = 100
MAX_BODY = 65536
#: What a connection for one GET should allow to be read: head, body and slack.
READ_LIMIT = 98304


@dataclass(frozen=True)
class PlainResponse:
    """What a plain-text HTTP/1.0 GET returned, bounded.

    Attributes:
        url: the URL asked for.
        status: the status code.
        headers: header names lower-cased, the first 100 lines.
        body: at most 64 KiB.
    """

    url: str
    status: int
    headers: dict[str, str]
    body: bytes


def request(host: str, port: int, path: str = "/", accept: str = "application/json") -> bytes:
    """The GET request for ``path`` on ``host:port``."""
    authority = f"{url_host(host)}:{port}"
    return (
        f"GET {path} HTTP/1.0\r\nHost: {authority}\r\nUser-Agent: inspection-scanner\r\n"
        f"Accept: {accept}\r\nConnection: close\r\n\r\n"
    ).encode()


def parse_head(head: bytes) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, the body bytes already read) of an answer's first bytes;
    NotApplicable when it has no HTTP status line."""
    status_line, _, rest = head.partition(b"\r\n")
    parts = status_line.split(b" ", 2)
    if not head.startswith(b"HTTP/") or len(parts) < 2 or not parts[1].isdigit():
        raise NotApplicable(f"the service does not answer HTTP: {one_line(head[:64])!r}")
    raw_headers, _, body = rest.partition(b"\r\n\r\n")
    headers = {}
    for line in raw_headers.split(b"\r\n")[:MAX_HEADERS]:
        name, sep, value = line.partition(b":")
        if sep:
            headers[name.strip().decode("latin-1").lower()] = value.strip().decode("latin-1")
    return int(parts[1]), headers, body


def get(conn: Connection, host: str, port: int) -> PlainResponse | None:
    """``GET /`` over plain HTTP on ``conn``. None when the peer closes or resets without an
    HTTP answer, or answers with a TLS alert: it may speak HTTPS only."""
    conn.send(request(host, port))
    try:
        head = read_until(conn, b"\r\n\r\n", MAX_HEAD)
    except ConnectionError:
        return None
    except DeadlineExceeded:
        raise
    except TimeoutError:
        raise Inconclusive(f"no answer to GET / within {WAIT:.0f} s") from None
    if not head or head.startswith(b"\x15\x03"):
        return None
    status, headers, body = parse_head(head)
    length = headers.get("content-length", "")
    wanted = min(int(length), MAX_BODY) if length.isdigit() else MAX_BODY
    if b"\r\n\r\n" in head and len(body) < wanted:  # to Content-Length, else to the close
        with contextlib.suppress(TimeoutError, ConnectionError):
            body += read_exact(conn, wanted - len(body))
    return PlainResponse(f"http://{url_host(host)}:{port}/", status, headers, body[:MAX_BODY])
