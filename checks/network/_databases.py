"""How ``net.database-exposed`` confirms each database product: one probe per product.

Each probe opens its own bounded connection, speaks the product's protocol through
``checks.protocols`` (one read-only exchange, no credential), and returns the evidence and detail
of its finding; an answer in another protocol is NotApplicable, silence Inconclusive.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from checks.protocols import http10, mongodb, mysql, postgres, tds, tns
from checks.protocols.wire import read_answer, read_more
from scanner.api import (
    CheckContext,
    Connection,
    Inconclusive,
    NotApplicable,
    ServiceTarget,
    one_line,
    url_host,
)

PROBE_ROLE = "scanner"
MONGO_REQUEST_ID = 0x5C4E

Probe = Callable[[ServiceTarget, CheckContext], tuple[str, dict[str, Any]]]


def pg_startup_or_why(conn: Connection) -> tuple[str, bool]:
    """The StartupMessage answer, or why there was none (then not confirmed)."""
    try:
        return postgres.startup(conn, PROBE_ROLE)
    except (Inconclusive, OSError) as exc:
        return f"no usable answer ({one_line(str(exc), 120)})", False


def probe_postgresql(target: ServiceTarget, ctx: CheckContext) -> tuple[str, dict[str, Any]]:
    port = target.service.port
    with ctx.connect(target.address, port, read_limit=16384) as conn:
        conn.send(postgres.SSL_REQUEST)
        reply = read_answer(conn, 1, "the SSLRequest")
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


def probe_mysql(target: ServiceTarget, ctx: CheckContext) -> tuple[str, dict[str, Any]]:
    with ctx.connect(target.address, target.service.port, read_limit=16384) as conn:
        greeting = mysql.read_greeting(conn)
    if greeting.error is None:
        version = one_line(greeting.version, 80)
        return (
            f"MySQL protocol 10 greeting from an internet-exposed asset: server version "
            f"{version!r}",
            {"version": version},
        )
    return (
        f"MySQL answered an internet-exposed asset's port with error {greeting.error}: "
        f"{one_line(greeting.message, 160)!r}",
        {"error": greeting.error},
    )


def probe_mongodb(target: ServiceTarget, ctx: CheckContext) -> tuple[str, dict[str, Any]]:
    with ctx.connect(target.address, target.service.port, read_limit=65536) as conn:
        fields = mongodb.is_master(conn, MONGO_REQUEST_ID)
    primary = fields.get("ismaster", fields.get("isWritablePrimary"))
    facts = [f"ismaster={primary}"] if primary is not None else []
    wire = fields.get("maxWireVersion")
    if isinstance(wire, int):
        version = mongodb.WIRE_VERSIONS.get(wire)
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


def probe_elasticsearch(target: ServiceTarget, ctx: CheckContext) -> tuple[str, dict[str, Any]]:
    port = target.service.port
    with ctx.connect(target.address, port, read_limit=http10.READ_LIMIT) as conn:
        plain = http10.get(conn, target.host, port)
    if plain is not None:
        url, status, body = plain.url, plain.status, plain.body
        product = plain.headers.get("x-elastic-product", "")
        challenge = plain.headers.get("www-authenticate", "")
    else:  # Elasticsearch 8 serves HTTPS by default and drops plain text: ask over TLS
        response = ctx.http_get(
            f"https://{url_host(target.host)}:{port}/", follow=False, max_bytes=65536
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


def probe_mssql(target: ServiceTarget, ctx: CheckContext) -> tuple[str, dict[str, Any]]:
    with ctx.connect(target.address, target.service.port, read_limit=16384) as conn:
        answer = tds.exchange(conn)
    return (
        f"MS SQL Server answered PRELOGIN on an internet-exposed asset: version "
        f"{answer.version}, encryption {answer.encryption}",
        {"version": answer.version, "encryption": answer.encryption},
    )


def probe_oracle(target: ServiceTarget, ctx: CheckContext) -> tuple[str, dict[str, Any]]:
    with ctx.connect(target.address, target.service.port, read_limit=16384) as conn:
        kind, text = tns.exchange(conn)
    readable = one_line(text, 160)
    return (
        f"Oracle TNS listener answered CONNECT on an internet-exposed asset with "
        f"{kind}" + (f": {readable!r}" if readable else ""),
        {"tns_packet": kind},
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
