"""HTTP TRACE method enabled.

A server that answers ``TRACE`` echoes the request back, headers included. Combined with a
script injection or a misbehaving proxy this exposes cookies and authorization headers that
``HttpOnly`` was meant to hide (cross-site tracing), and it shows what intermediaries add to
requests. The check sends one ``TRACE`` request for the target URL's path, with a random marker
header, over a scope-checked connection (TLS for ``https://`` URLs, certificate not verified:
the TLS checks judge it) and reports a 200 answer that echoes the marker. Any other answer
(405, 501, 403...) is a pass; an answer that is not HTTP is inconclusive. TRACE changes nothing
on the server and is sent once per target.

Sample evidence::

    TRACE / on http://portal.example/ answered 200 (message/http) and echoed the request back
"""

from __future__ import annotations

import re
import secrets
import ssl
from collections.abc import Iterator
from urllib.parse import urlsplit

from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Connection,
    Finding,
    Inconclusive,
    NotApplicable,
    Severity,
    UrlTarget,
    one_line,
)

STATUS = re.compile(rb"\AHTTP/\d(?:\.\d)? (\d{3})")
CONTENT_TYPE = re.compile(rb"^content-type:[ \t]*([^\r\n;]{0,60})", re.IGNORECASE | re.MULTILINE)
CONTENT_LENGTH = re.compile(rb"^content-length:[ \t]*(\d{1,12})[ \t]*\r?$", re.I | re.M)
READ_LIMIT = 65536


def read_answer(conn: Connection, marker: bytes) -> bytes:
    """The answer, read until it is decided: not HTTP, not a 200, the marker seen, or the body
    complete (a server that keeps the connection open is not waited for)."""
    data = b""
    while len(data) < READ_LIMIT:
        chunk = conn.recv(READ_LIMIT - len(data))
        if not chunk:
            break
        data += chunk
        if not b"HTTP/".startswith(data[:5]):
            break  # not HTTP
        head, sep, body = data.partition(b"\r\n\r\n")
        if not sep:
            continue
        status = STATUS.match(head)
        length = CONTENT_LENGTH.search(head)
        if status is None or status.group(1) != b"200" or marker in body:
            break
        if length is not None and len(body) >= int(length.group(1)):
            break
    return data


def tls_context() -> ssl.SSLContext:
    """Accept any certificate and old protocols: this check is about TRACE, not TLS."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


class TraceEnabled(Check):
    id = "web.trace-enabled"
    title = "HTTP TRACE method enabled"
    family = "web"
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.URL,))
    references = ("CWE-693", "https://owasp.org/www-community/attacks/Cross_Site_Tracing")
    remediation = (
        "Disable TRACE (Apache: TraceEnable Off; IIS: request filtering deny verb TRACE; Tomcat: "
        'allowTrace="false"; load balancers and proxies: reject the method).'
    )

    def run(self, target: UrlTarget, ctx: CheckContext) -> Iterator[Finding]:
        parts = urlsplit(target.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise NotApplicable(f"{one_line(target.url)} is not an HTTP(S) URL")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = target.address or parts.hostname
        path = parts.path or "/"
        marker = secrets.token_hex(12)
        request = (
            f"TRACE {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            "User-Agent: ci-inspection-scanner (web.trace-enabled)\r\n"
            f"X-Inspection-Trace: {marker}\r\nConnection: close\r\n\r\n"
        ).encode("ascii", "ignore")
        with ctx.connect(address, port, read_limit=READ_LIMIT) as raw:
            conn = raw
            if parts.scheme == "https":
                raw.sock.settimeout(ctx.remaining())
                conn = Connection(
                    tls_context().wrap_socket(raw.sock, server_hostname=target.host or None),
                    ctx.deadline,
                    READ_LIMIT,
                )
            with conn:
                conn.send(request)
                answer = read_answer(conn, marker.encode())
        status = STATUS.match(answer)
        if status is None:
            if not answer:
                raise Inconclusive("the server closed the connection without an answer to TRACE")
            raise Inconclusive(f"the answer to TRACE is not HTTP: {one_line(answer[:60])!r}")
        head, _, body = answer.partition(b"\r\n\r\n")
        if status.group(1) != b"200" or marker.encode() not in body:
            return
        ctype = CONTENT_TYPE.search(head)
        shown = f" ({one_line(ctype.group(1).strip(), 60)})" if ctype else ""
        yield self.finding(
            target,
            f"TRACE {one_line(path, 80)} on {one_line(target.url, 120)} answered 200{shown} and "
            "echoed the request back",
        )
