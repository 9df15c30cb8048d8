"""PostgreSQL frontend/backend protocol 3.0, before authentication.

The SSLRequest, and a StartupMessage whose answer says which authentication the server asks for
(or the error it refuses with); a server that lets the role in without a password is told
Terminate at once. Only :func:`password_login` (credential checks) sends a password: clear text,
MD5 or SCRAM-SHA-256 as the server asks, and Terminate as soon as it is accepted. A backend
message is read only when its type is an authentication request or an error and its length is
plausible; its body is capped at 4 KiB.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
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


def _message(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack(">I", len(body) + 4) + body


def _next(conn: Connection) -> tuple[bytes, bytes]:
    """The next authentication request or error; Inconclusive for anything else."""
    kind, body = read_message(conn)
    if not kind:
        raise Inconclusive(f"an unexpected PostgreSQL answer {one_line(body[:40])!r}")
    return kind, body


def _scram(conn: Connection, role: str, password: str, mechanisms: list[bytes]) -> bool:
    """SCRAM-SHA-256 (RFC 5802/7677, no channel binding) for ``password``."""
    if b"SCRAM-SHA-256" not in mechanisms:
        raise Inconclusive(f"no SASL mechanism the check speaks: {mechanisms!r}")
    nonce = base64.b64encode(secrets.token_bytes(18)).decode()
    first_bare = f"n=,r={nonce}"  # PostgreSQL takes the user from the StartupMessage
    first = ("n,," + first_bare).encode()
    conn.send(_message(b"p", b"SCRAM-SHA-256\x00" + struct.pack(">I", len(first)) + first))
    kind, body = _next(conn)
    if kind == b"E" or struct.unpack(">I", body[:4])[0] != 11:
        return False
    server_first = body[4:].decode("ascii", "replace")
    fields = dict(p.split("=", 1) for p in server_first.split(",") if "=" in p)
    if not fields.get("r", "").startswith(nonce) or "s" not in fields or "i" not in fields:
        raise Inconclusive("a malformed SCRAM server-first-message")
    iterations = int(fields["i"])
    if not 1 <= iterations <= 1_000_000:
        raise Inconclusive(f"an implausible SCRAM iteration count {iterations}")
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(fields["s"]), iterations
    )
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    without_proof = f"c=biws,r={fields['r']}"
    auth_message = f"{first_bare},{server_first},{without_proof}".encode()
    signature = hmac.digest(hashlib.sha256(client_key).digest(), auth_message, "sha256")
    proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
    final = f"{without_proof},p={base64.b64encode(proof).decode()}".encode()
    conn.send(_message(b"p", final))
    kind, body = _next(conn)
    if kind == b"E":
        return False
    kind, body = _next(conn) if struct.unpack(">I", body[:4])[0] == 12 else (kind, body)
    return kind == b"R" and body[:4] == b"\x00\x00\x00\x00"


def password_login(conn: Connection, role: str, password: str) -> bool:
    """Log in as ``role`` with ``password`` (clear text, MD5 or SCRAM-SHA-256, as the server
    asks): True when accepted (then Terminate is sent at once), False when refused. A role let
    in without a password counts as accepted."""
    conn.send(startup_message(role))
    kind, body = _next(conn)
    if kind == b"E":
        return False
    code = struct.unpack(">I", body[:4])[0]
    if code == 3:
        conn.send(_message(b"p", password.encode() + b"\x00"))
        kind, body = _next(conn)
    elif code == 5:
        inner = hashlib.md5(password.encode() + role.encode()).hexdigest()  # noqa: S324 - protocol
        outer = hashlib.md5(inner.encode() + body[4:8]).hexdigest()  # noqa: S324 - protocol
        conn.send(_message(b"p", b"md5" + outer.encode() + b"\x00"))
        kind, body = _next(conn)
    elif code == 10:
        ok = _scram(conn, role, password, [m for m in body[4:].split(b"\x00") if m])
        if ok:
            conn.send(TERMINATE)
        return ok
    elif code != 0:
        raise Inconclusive(f"PostgreSQL asks for {AUTH_REQUESTS.get(code, code)}")
    accepted = kind == b"R" and body[:4] == b"\x00\x00\x00\x00"
    if accepted:
        conn.send(TERMINATE)
    return accepted
