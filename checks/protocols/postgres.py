"""PostgreSQL frontend/backend protocol 3.0, before authentication.

The SSLRequest, and a StartupMessage whose answer says which authentication the server asks for
(or the error it refuses with). No password is ever sent; a server that lets the role in without
one is told Terminate at once. A backend message is read only when its type is an authentication
request or an error and its length is plausible; its body is capped at 4 KiB.
"""

from __future__ import annotations

import struct

from checks.protocols.wire import read_answer, read_exact
from scanner.api import Connection, Inconclusive, one_line

SSL_REQUEST = struct.pack(">II", 8, 80877103)
TERMINATE = b"X\x00\x00\x00\x04"
MAX_BODY = 4096
AUTH_REQUESTS = {
    0: "no password asked: authentication 'trust'",
    2: "Kerberos V5 requested",
    3: "clear-text password requested",
    5: "password requested (MD5)",
    7: "GSSAPI requested",
    9: "SSPI requested",
    10: "password requested (SASL)",
}


def startup_message(role: str) -> bytes:
    """A StartupMessage (protocol 3.0) for ``role`` on the database of the same name."""
    params = b"".join(
        k.encode() + b"\x00" + v.encode() + b"\x00"
        for k, v in (("user", role), ("database", role), ("application_name", "inspection"))
    )
    body = struct.pack(">I", 196608) + params + b"\x00"  # protocol 3.0
    return struct.pack(">I", len(body) + 4) + body


def read_message(conn: Connection) -> tuple[bytes, bytes]:
    """One backend message: (type byte, body), the body capped at 4 KiB; type ``b""`` (and the
    bytes read) when the answer is not an authentication request or error."""
    head = read_answer(conn, 5, "the StartupMessage")
    if len(head) < 5:
        raise Inconclusive(f"truncated PostgreSQL message: {one_line(head)!r}")
    kind, length = head[:1], struct.unpack(">I", head[1:])[0]
    if kind not in (b"R", b"E") or not 8 <= length <= 1 << 20:
        return b"", head  # not an authentication request nor an error: not PostgreSQL's
    return kind, read_exact(conn, min(length - 4, MAX_BODY))


def error_text(body: bytes) -> str:
    """``FATAL 28000: message`` from an ErrorResponse body."""
    fields: dict[str, str] = {}
    for part in body.split(b"\x00"):
        if part:
            fields.setdefault(chr(part[0]), part[1:].decode("utf-8", "replace"))
    severity = fields.get("V") or fields.get("S") or "ERROR"
    return f"{severity} {fields.get('C', '?')}: {fields.get('M', '')}"


def describe(kind: bytes, body: bytes) -> tuple[str, bool]:
    """A backend message described: (the answer, whether it was PostgreSQL's)."""
    if kind == b"R" and len(body) >= 4:
        code = struct.unpack(">I", body[:4])[0]
        answer = AUTH_REQUESTS.get(code, f"authentication request {code}")
        if code == 10:
            mechanisms = [m.decode("ascii", "replace") for m in body[4:].split(b"\x00") if m]
            answer = f"password requested (SASL: {', '.join(mechanisms) or 'no mechanism'})"
        return answer, True
    if kind == b"E":
        return f"refused: {error_text(body)}", True
    return f"an unexpected answer {one_line(kind + body[:40])!r}", False


def startup(conn: Connection, role: str) -> tuple[str, bool]:
    """Send the StartupMessage: (the server's answer described, whether it was PostgreSQL's)."""
    conn.send(startup_message(role))
    kind, body = read_message(conn)
    if kind == b"R" and body[:4] == b"\x00\x00\x00\x00":
        conn.send(TERMINATE)  # let in without a password: we asked nothing else
    return describe(kind, body)
