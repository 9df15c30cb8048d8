"""Database server reachable from the internet.

A database listening on an internet-facing address is one password guess, one leaked credential
or one pre-authentication vulnerability away from a data breach; databases belong behind the
application servers that use them. The check runs only on assets whose exposure is ``internet``
(elsewhere it is not applicable) and confirms each service discovery names as a database with
one read-only exchange in the database's own protocol, before any credential:

- PostgreSQL (``postgresql``): an SSLRequest, answered ``S`` (TLS offered) or ``N`` (no TLS),
  then a StartupMessage for the role ``scanner`` whose answer says which authentication the
  server asks for (or the error it refuses with); no password is ever sent, and a server that
  lets the role in without one is told Terminate at once.
- MySQL / MariaDB (``mysql``): the server's greeting packet (protocol 10 and version string), or
  the error packet it greets a refused host with.
- MongoDB (``mongodb``, ``mongod``): the ``isMaster`` handshake command (allowed before
  authentication), whose answer gives the wire version, replica set and role.
- Elasticsearch (``elasticsearch``, ``wap-wsp``: nmap's name for port 9200): ``GET /`` over
  plain HTTP on the check's own bounded connection (then, if the port drops plain text, over
  HTTPS through the shared HTTP client), answered with the cluster's JSON banner
  (``cluster_name``) or an authentication challenge from Elasticsearch's security realm.
  A port 9200 that discovery's probes identify as plain ``http`` is not seen by this check.
- Microsoft SQL Server (``ms-sql-s``): a TDS PRELOGIN packet, answered with the server version
  and its encryption setting.
- Oracle (``oracle``, ``oracle-tns``): a TNS CONNECT asking the listener for its version,
  answered with an ACCEPT, REFUSE, REDIRECT or RESEND packet.

Redis has a check of its own (``net.redis-no-auth``). A port that answers in another protocol is
not applicable; one that stays silent or closes is inconclusive; the confirmation never depends
on the first byte alone (a lone ``S`` must be followed by a PostgreSQL answer to the
StartupMessage, since an SSH banner starts with one too). One finding per confirmed
service, at ``port/protocol``.

Sample evidence::

    PostgreSQL answered on an internet-exposed asset: SSLRequest answered 'N' (TLS not offered);
    StartupMessage for role 'scanner' answered: password requested (SASL: SCRAM-SHA-256)
"""

from __future__ import annotations

import contextlib
import json
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Connection,
    DeadlineExceeded,
    Exposure,
    Finding,
    Inconclusive,
    NotApplicable,
    ServiceTarget,
    Severity,
    one_line,
)

WAIT = 5.0  # per answer; always also bounded by the check's deadline
PROBE_ROLE = "scanner"

Probe = Callable[[ServiceTarget, CheckContext], tuple[str, dict[str, Any]]]


def read_exact(conn: Connection, size: int, wait: float) -> bytes:
    """Up to ``size`` bytes: fewer only when the peer closes. TimeoutError when it goes quiet
    before anything arrived; what arrived is returned when it goes quiet part-way."""
    data = b""
    while len(data) < size:
        try:
            chunk = conn.recv(size - len(data), timeout=wait)
        except (TimeoutError, ConnectionError):
            if not data:  # a reset after some bytes (e.g. a daemon rejecting us) ends the read
                raise
            break
        if not chunk:
            break
        data += chunk
    return data


def first_answer(conn: Connection, size: int, what: str) -> bytes:
    """The first ``size`` bytes of an answer; Inconclusive on silence or an immediate close."""
    try:
        data = read_exact(conn, size, WAIT)
    except TimeoutError:
        if time.monotonic() >= conn.deadline:  # the deadline passing is not the peer's silence
            raise DeadlineExceeded("the check's deadline passed") from None
        raise Inconclusive(f"no answer to {what} within {WAIT:.0f} s") from None
    if not data:
        raise Inconclusive(f"the service closed the connection without answering {what}")
    return data


def read_more(conn: Connection, seconds: float = 0.2) -> bytes | None:
    """Whatever else arrives within ``seconds``; None if the peer resets the connection."""
    try:
        return conn.recv_for(seconds, max_bytes=64)
    except ConnectionError:
        return None


def _cstr(data: bytes, pos: int) -> tuple[str, int]:
    end = data.find(b"\x00", pos)
    if end < 0:
        end = len(data)
    return data[pos:end].decode("utf-8", "replace"), end + 1


# ------------------------------------------------------------------------------ PostgreSQL

SSL_REQUEST = struct.pack(">II", 8, 80877103)
PG_AUTH = {
    0: "no password asked: authentication 'trust'",
    2: "Kerberos V5 requested",
    3: "clear-text password requested",
    5: "password requested (MD5)",
    7: "GSSAPI requested",
    9: "SSPI requested",
    10: "password requested (SASL)",
}


def startup_message(role: str) -> bytes:
    params = b"".join(
        k.encode() + b"\x00" + v.encode() + b"\x00"
        for k, v in (("user", role), ("database", role), ("application_name", "inspection"))
    )
    body = struct.pack(">I", 196608) + params + b"\x00"  # protocol 3.0
    return struct.pack(">I", len(body) + 4) + body


def pg_message(conn: Connection) -> tuple[bytes, bytes]:
    """One backend message: (type byte, body), the body capped at 4 KiB; type ``b""`` (and the
    bytes read) when the answer is not an authentication request or error."""
    head = first_answer(conn, 5, "the StartupMessage")
    if len(head) < 5:
        raise Inconclusive(f"truncated PostgreSQL message: {one_line(head)!r}")
    kind, length = head[:1], struct.unpack(">I", head[1:])[0]
    if kind not in (b"R", b"E") or not 8 <= length <= 1 << 20:
        return b"", head  # not an authentication request nor an error: not PostgreSQL's
    return kind, read_exact(conn, min(length - 4, 4096), WAIT)


def pg_error(body: bytes) -> str:
    """``FATAL 28000: message`` from an ErrorResponse body."""
    fields: dict[str, str] = {}
    for part in body.split(b"\x00"):
        if part:
            fields.setdefault(chr(part[0]), part[1:].decode("utf-8", "replace"))
    severity = fields.get("V") or fields.get("S") or "ERROR"
    return f"{severity} {fields.get('C', '?')}: {fields.get('M', '')}"


def pg_startup(conn: Connection) -> tuple[str, bool]:
    """Send the StartupMessage: (the server's answer described, whether it was PostgreSQL's)."""
    conn.send(startup_message(PROBE_ROLE))
    kind, body = pg_message(conn)
    if kind == b"R" and len(body) >= 4:
        code = struct.unpack(">I", body[:4])[0]
        answer = PG_AUTH.get(code, f"authentication request {code}")
        if code == 10:
            mechanisms = [m.decode("ascii", "replace") for m in body[4:].split(b"\x00") if m]
            answer = f"password requested (SASL: {', '.join(mechanisms) or 'no mechanism'})"
        if code == 0:
            conn.send(b"X\x00\x00\x00\x04")  # Terminate: we asked nothing else
        return answer, True
    if kind == b"E":
        return f"refused: {pg_error(body)}", True
    return f"an unexpected answer {one_line(kind + body[:40])!r}", False


def pg_startup_or_why(conn: Connection) -> tuple[str, bool]:
    """The StartupMessage answer, or why there was none (then not confirmed)."""
    try:
        return pg_startup(conn)
    except (Inconclusive, OSError) as exc:
        return f"no usable answer ({one_line(str(exc), 120)})", False


def probe_postgresql(target: ServiceTarget, ctx: CheckContext) -> tuple[str, dict[str, Any]]:
    port = target.service.port
    with ctx.connect(target.address, port, read_limit=16384) as conn:
        conn.send(SSL_REQUEST)
        reply = first_answer(conn, 1, "the SSLRequest")
        more = read_more(conn)  # a real server says one byte, then waits for us
        if more is None:
            raise NotApplicable(
                f"the service said {one_line(reply)!r}, then reset the connection: not PostgreSQL"
            )
        reply += more
        if reply not in (b"S", b"N"):
            raise NotApplicable(f"the service does not answer like PostgreSQL: {one_line(reply)!r}")
        tls = reply == b"S"
        if not tls:
            startup, confirmed = pg_startup_or_why(conn)
    if tls:  # the server now expects a TLS handshake: ask the startup question on a fresh line
        with ctx.connect(target.address, port, read_limit=16384) as conn:
            startup, confirmed = pg_startup_or_why(conn)
        if not confirmed:  # a lone 'S' is too little to go on (an SSH banner starts with one)
            raise Inconclusive(f"SSLRequest answered 'S' but the StartupMessage got {startup}")
    ssl_text = "'S' (TLS offered)" if tls else "'N' (TLS not offered)"
    evidence = (
        f"SSLRequest answered {ssl_text}; StartupMessage for role {PROBE_ROLE!r} answered: "
        f"{startup}"
    )
    return f"PostgreSQL answered on an internet-exposed asset: {evidence}", {
        "ssl": tls,
        "startup": startup,
    }


# ------------------------------------------------------------------------------ MySQL


def probe_mysql(target: ServiceTarget, ctx: CheckContext) -> tuple[str, dict[str, Any]]:
    with ctx.connect(target.address, target.service.port, read_limit=16384) as conn:
        head = first_answer(conn, 4, "the connection (MySQL greets first)")
        if len(head) < 4:
            raise NotApplicable(f"the service does not greet like MySQL: {one_line(head)!r}")
        length, seq = int.from_bytes(head[:3], "little"), head[3]
        if seq != 0 or not 7 <= length <= 16384:
            raise NotApplicable(f"the service does not greet like MySQL: {one_line(head)!r}")
        payload = read_exact(conn, min(length, 1024), WAIT)
    if payload[:1] == b"\x0a":
        version, pos = _cstr(payload, 1)
        if not version or pos > len(payload):
            raise NotApplicable(f"malformed MySQL greeting: {one_line(payload[:64])!r}")
        return (
            f"MySQL protocol 10 greeting from an internet-exposed asset: server version "
            f"{one_line(version, 80)!r}",
            {"version": one_line(version, 80)},
        )
    if payload[:1] == b"\xff" and len(payload) >= 3:
        code = struct.unpack("<H", payload[1:3])[0]
        message = payload[3:]
        if message.startswith(b"#"):
            message = message[6:]
        text = one_line(message, 160)
        return (
            f"MySQL answered an internet-exposed asset's port with error {code}: {text!r}",
            {"error": code},
        )
    raise NotApplicable(f"the service does not greet like MySQL: {one_line(payload[:64])!r}")


# ------------------------------------------------------------------------------ MongoDB

WIRE_VERSIONS = {6: "3.6", 7: "4.0", 8: "4.2", 9: "4.4", 13: "5.0", 17: "6.0", 21: "7.0", 25: "8.0"}


def bson_int32_doc(key: str) -> bytes:
    element = b"\x10" + key.encode() + b"\x00" + struct.pack("<i", 1)
    return struct.pack("<i", 4 + len(element) + 1) + element + b"\x00"


def is_master_query(request_id: int) -> bytes:
    body = (
        struct.pack("<i", 0)  # flags
        + b"admin.$cmd\x00"
        + struct.pack("<ii", 0, -1)  # skip, return one document
        + bson_int32_doc("isMaster")
    )
    return struct.pack("<iiii", 16 + len(body), request_id, 0, 2004) + body  # OP_QUERY


#: BSON element types of fixed size: (size, struct format or None to skip the value).
BSON_FIXED: dict[int, tuple[int, str | None]] = {
    0x01: (8, "<d"),  # double
    0x07: (12, None),  # ObjectId
    0x08: (1, "<?"),  # boolean
    0x09: (8, None),  # UTC datetime
    0x0A: (0, None),  # null
    0x10: (4, "<i"),  # int32
    0x11: (8, None),  # timestamp
    0x12: (8, "<q"),  # int64
}


def bson_fields(doc: bytes) -> dict[str, Any]:
    """Top-level scalar fields of a BSON document; stops quietly at anything it cannot read."""
    out: dict[str, Any] = {}
    pos = 4
    while pos < len(doc) and doc[pos] != 0 and len(out) < 64:
        kind = doc[pos]
        name, pos = _cstr(doc, pos + 1)
        if kind in (0x02, 0x03, 0x04):  # string, embedded document, array: length-prefixed
            if pos + 4 > len(doc):
                break
            size = struct.unpack_from("<i", doc, pos)[0]
            if kind == 0x02:  # int32 size (counting the final NUL), then the bytes
                size += 4
                if size < 5 or pos + size > len(doc):
                    break
                out[name] = doc[pos + 4 : pos + size - 1].decode("utf-8", "replace")
            elif size < 5 or pos + size > len(doc):  # the size counts its own four bytes
                break
            pos += size
        elif kind in BSON_FIXED and pos + BSON_FIXED[kind][0] <= len(doc):
            size, fmt = BSON_FIXED[kind]
            if fmt is not None:
                out[name] = struct.unpack_from(fmt, doc, pos)[0]
            pos += size
        else:
            break
    return out


def probe_mongodb(target: ServiceTarget, ctx: CheckContext) -> tuple[str, dict[str, Any]]:
    request_id = 0x5C4E
    with ctx.connect(target.address, target.service.port, read_limit=65536) as conn:
        conn.send(is_master_query(request_id))
        head = first_answer(conn, 16, "isMaster")
        if len(head) < 16:
            raise NotApplicable(f"the service does not answer like MongoDB: {one_line(head)!r}")
        length, _rid, response_to, opcode = struct.unpack("<iiii", head)
        if response_to != request_id or opcode not in (1, 2013) or not 16 < length <= 1 << 24:
            raise NotApplicable(f"the service does not answer like MongoDB: {one_line(head)!r}")
        body = read_exact(conn, min(length - 16, 16384), WAIT)
    doc = body[20:] if opcode == 1 else body[5:]  # OP_REPLY header / OP_MSG flags + kind 0
    fields = bson_fields(doc)
    if not fields:
        raise Inconclusive("MongoDB answered isMaster with an unreadable document")
    primary = fields.get("ismaster", fields.get("isWritablePrimary"))
    facts = [f"ismaster={primary}"] if primary is not None else []
    wire = fields.get("maxWireVersion")
    if isinstance(wire, int):
        version = WIRE_VERSIONS.get(wire)
        facts.append(f"maxWireVersion={wire}" + (f" (MongoDB {version})" if version else ""))
    for key in ("setName", "msg", "errmsg"):
        if isinstance(fields.get(key), str):
            facts.append(f"{key}={one_line(fields[key], 80)!r}")
    detail = {
        k: v for k, v in fields.items() if k in ("ismaster", "maxWireVersion", "setName", "msg")
    }
    return (
        "MongoDB answered isMaster on an internet-exposed asset: " + (", ".join(facts) or "ok"),
        detail,
    )


# ------------------------------------------------------------------------------ Elasticsearch


def read_until(conn: Connection, marker: bytes, max_bytes: int) -> bytes:
    """Read until ``marker``, ``max_bytes``, the peer closing or going quiet for WAIT seconds
    (Inconclusive when nothing came at all); a reset after some bytes ends the read too."""
    data = b""
    while len(data) < max_bytes and marker not in data:
        try:
            chunk = conn.recv(max_bytes - len(data), timeout=WAIT)
        except (TimeoutError, ConnectionError):
            if time.monotonic() >= conn.deadline:
                raise DeadlineExceeded("the check's deadline passed") from None
            if data:
                break
            raise
        if not chunk:
            break
        data += chunk
    return data


@dataclass(frozen=True)
class PlainResponse:
    """What a plain-text HTTP/1.0 GET returned, bounded."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes


def plain_get(target: ServiceTarget, ctx: CheckContext) -> PlainResponse | None:
    """``GET /`` over plain HTTP on the check's own bounded connection (every read capped in
    time and size, so a peer dripping bytes cannot hold the check past its deadline). None when
    the peer closes or resets without an HTTP answer, or answers with a TLS alert: it may speak
    HTTPS only."""
    port = target.service.port
    host = f"[{target.host}]" if ":" in target.host else target.host
    url = f"http://{host}:{port}/"
    request = (
        f"GET / HTTP/1.0\r\nHost: {host}:{port}\r\nUser-Agent: inspection-scanner\r\n"
        "Accept: application/json\r\nConnection: close\r\n\r\n"
    )
    with ctx.connect(target.address, port, read_limit=98304) as conn:
        conn.send(request.encode())
        try:
            head = read_until(conn, b"\r\n\r\n", 16384)
        except ConnectionError:
            return None
        except DeadlineExceeded:
            raise
        except TimeoutError:
            raise Inconclusive(f"no answer to GET / within {WAIT:.0f} s") from None
        if not head or head.startswith(b"\x15\x03"):
            return None
        status_line, _, rest = head.partition(b"\r\n")
        parts = status_line.split(b" ", 2)
        if not head.startswith(b"HTTP/") or len(parts) < 2 or not parts[1].isdigit():
            raise NotApplicable(f"the service does not answer HTTP: {one_line(head[:64])!r}")
        raw_headers, _, body = rest.partition(b"\r\n\r\n")
        headers = {}
        for line in raw_headers.split(b"\r\n")[:100]:
            name, sep, value = line.partition(b":")
            if sep:
                headers[name.strip().decode("latin-1").lower()] = value.strip().decode("latin-1")
        length = headers.get("content-length", "")
        wanted = min(int(length), 65536) if length.isdigit() else 65536
        if b"\r\n\r\n" in head and len(body) < wanted:  # to Content-Length, else to the close
            with contextlib.suppress(TimeoutError, ConnectionError):
                body += read_exact(conn, wanted - len(body), WAIT)
    return PlainResponse(url, int(parts[1]), headers, body[:65536])


def probe_elasticsearch(target: ServiceTarget, ctx: CheckContext) -> tuple[str, dict[str, Any]]:
    plain = plain_get(target, ctx)
    if plain is not None:
        url, status, body = plain.url, plain.status, plain.body
        product = plain.headers.get("x-elastic-product", "")
        challenge = plain.headers.get("www-authenticate", "")
    else:  # Elasticsearch 8 serves HTTPS by default and drops plain text: ask over TLS
        host = f"[{target.host}]" if ":" in target.host else target.host
        response = ctx.http_get(
            f"https://{host}:{target.service.port}/", follow=False, max_bytes=65536
        )
        url, status, body = response.url, response.status, response.body
        product = response.header("X-elastic-product") or ""
        challenge = response.header("WWW-Authenticate") or ""
    try:
        banner = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        banner = None
    if status == 200 and isinstance(banner, dict) and "cluster_name" in banner:
        version = banner.get("version")
        number = version.get("number") if isinstance(version, dict) else None
        facts = {
            "cluster_name": one_line(str(banner.get("cluster_name")), 80),
            "version": one_line(str(number), 40),
        }
        return (
            f"Elasticsearch answered GET {url} without authentication: "
            f"cluster_name={facts['cluster_name']!r}, version {facts['version']}",
            facts,
        )
    if status == 401 and (product == "Elasticsearch" or 'realm="security"' in challenge):
        return (
            f"Elasticsearch answered GET {url} with 401 (authentication required); "
            f"WWW-Authenticate: {one_line(challenge, 80)!r}",
            {"status": 401},
        )
    raise NotApplicable(
        f"GET {url} answered {status}, not like Elasticsearch: {one_line(body[:80])!r}"
    )


# ------------------------------------------------------------------------------ MS SQL Server

ENCRYPTION = {0: "ENCRYPT_OFF", 1: "ENCRYPT_ON", 2: "ENCRYPT_NOT_SUP", 3: "ENCRYPT_REQ"}


def prelogin() -> bytes:
    options = [(0x00, b"\x00" * 6), (0x01, b"\x00"), (0x02, b"\x00"), (0x03, b"\x00" * 4)]
    offset = 5 * len(options) + 1
    table, data = b"", b""
    for token, value in options:
        table += struct.pack(">BHH", token, offset + len(data), len(value))
        data += value
    payload = table + b"\xff" + data
    return struct.pack(">BBHHBB", 0x12, 0x01, 8 + len(payload), 0, 0, 0) + payload


def probe_mssql(target: ServiceTarget, ctx: CheckContext) -> tuple[str, dict[str, Any]]:
    with ctx.connect(target.address, target.service.port, read_limit=16384) as conn:
        conn.send(prelogin())
        head = first_answer(conn, 8, "PRELOGIN")
        if len(head) < 8 or head[0] != 0x04:
            raise NotApplicable(f"the service does not answer like MS SQL: {one_line(head)!r}")
        length = struct.unpack(">H", head[2:4])[0]
        if not 8 < length <= 4096:
            raise NotApplicable(f"the service does not answer like MS SQL: {one_line(head)!r}")
        payload = read_exact(conn, length - 8, WAIT)
    options: dict[int, bytes] = {}
    pos = 0
    while pos + 5 <= len(payload) and payload[pos] != 0xFF and len(options) < 16:
        token, offset, size = struct.unpack_from(">BHH", payload, pos)
        options[token] = payload[offset : offset + size]
        pos += 5
    version = options.get(0x00, b"")
    if len(version) < 4:
        raise NotApplicable(f"PRELOGIN answer without a version: {one_line(payload[:64])!r}")
    text = f"{version[0]}.{version[1]}.{struct.unpack('>H', version[2:4])[0]}"
    encryption = options.get(0x01, b"")
    enc = ENCRYPTION.get(encryption[0], str(encryption[0])) if encryption else "unknown"
    return (
        f"MS SQL Server answered PRELOGIN on an internet-exposed asset: version {text}, "
        f"encryption {enc}",
        {"version": text, "encryption": enc},
    )


# ------------------------------------------------------------------------------ Oracle TNS

TNS_TYPES = {2: "ACCEPT", 4: "REFUSE", 5: "REDIRECT", 11: "RESEND", 12: "MARKER"}


def tns_connect() -> bytes:
    data = b"(CONNECT_DATA=(COMMAND=version))"
    offset = 58
    body = struct.pack(
        ">HHHHHHHHHHIBB", 0x0136, 0x012C, 0, 0x0800, 0x7FFF, 0x7F08, 0, 0x0100, len(data),
        offset, 0, 0x41, 0x41,
    )  # fmt: skip
    body += b"\x00" * (offset - 8 - len(body))
    return struct.pack(">HHBBH", offset + len(data), 0, 1, 0, 0) + body + data


def probe_oracle(target: ServiceTarget, ctx: CheckContext) -> tuple[str, dict[str, Any]]:
    with ctx.connect(target.address, target.service.port, read_limit=16384) as conn:
        conn.send(tns_connect())
        head = first_answer(conn, 8, "a TNS CONNECT")
        length, kind = struct.unpack(">H", head[:2])[0], head[4] if len(head) > 4 else -1
        if len(head) < 8 or kind not in TNS_TYPES or not 8 <= length <= 8192:
            raise NotApplicable(f"the service does not answer like Oracle TNS: {one_line(head)!r}")
        body = read_exact(conn, length - 8, WAIT) if length > 8 else b""
    text = body[4:] if kind == 4 else body  # REFUSE: reasons and data length, then the text
    readable = one_line(text.strip(b"\x00"), 160)
    return (
        f"Oracle TNS listener answered CONNECT on an internet-exposed asset with "
        f"{TNS_TYPES[kind]}" + (f": {readable!r}" if readable else ""),
        {"tns_packet": TNS_TYPES[kind]},
    )


PROBES: dict[str, tuple[str, Probe]] = {
    "postgresql": ("PostgreSQL", probe_postgresql),
    "mysql": ("MySQL", probe_mysql),
    "mongodb": ("MongoDB", probe_mongodb),
    "mongod": ("MongoDB", probe_mongodb),
    "elasticsearch": ("Elasticsearch", probe_elasticsearch),
    "wap-wsp": ("Elasticsearch", probe_elasticsearch),
    "ms-sql-s": ("MS SQL Server", probe_mssql),
    "oracle": ("Oracle", probe_oracle),
    "oracle-tns": ("Oracle", probe_oracle),
}


class DatabaseExposed(Check):
    id = "net.database-exposed"
    title = "Database server reachable from the internet"
    family = "network"
    severity = Severity.MEDIUM
    applies_to = AppliesTo(services=tuple(PROBES))
    references = ("CWE-668", "MLPS-8.1.3.2", "CSL-21", "DSL-27")
    remediation = (
        "Take the database off internet-facing addresses: bind it to internal interfaces only "
        "(listen_addresses, bind-address, net.bindIp, network.host), allow its port only from "
        "the application servers that need it, and reach it for administration through a VPN "
        "or bastion host."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        if target.exposure != Exposure.INTERNET:
            raise NotApplicable("not internet-exposed")
        product, probe = PROBES[target.service.name]
        evidence, detail = probe(target, ctx)
        yield self.finding(target, evidence, detail={"database": product, **detail})
