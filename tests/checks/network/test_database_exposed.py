"""net.database-exposed: against the lab's real PostgreSQL (weak host only), and against scripted
responders speaking the first exchange of MySQL, MongoDB, Elasticsearch, MS SQL and Oracle TNS
(no such daemons in the lab: Debian ships none of them but MariaDB)."""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from checks.network.database_exposed import DatabaseExposed
from checks.protocols.postgres import startup_message
from scanner.core.models import AttemptStatus, ErrorReason, Exposure, Severity
from tests.helpers import run_check, service_target
from tests.lab import lab

PG_EVIDENCE = (
    "PostgreSQL answered on an internet-exposed asset: SSLRequest answered 'N' (TLS not "
    "offered); StartupMessage for role 'scanner' answered: password requested (SASL: "
    "SCRAM-SHA-256)"
)


def wait_postgres_ready(timeout: float = 10.0) -> None:
    """The lab waits for the port; PostgreSQL may still say 'starting up' (57P03) for a moment."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.create_connection((lab.WEAK_ADDR, 5432), timeout=3) as sock:
            sock.sendall(startup_message("scanner"))
            if sock.recv(1) == b"R":
                return
        time.sleep(0.1)
    pytest.fail("the lab's PostgreSQL did not get ready")


@pytest.mark.lab
def test_weak_postgresql_is_exposed(lab_state: lab.LabState) -> None:
    wait_postgres_ready()
    attempt = run_check(DatabaseExposed, service_target(lab.WEAK_ADDR, 5432, "postgresql"))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.check_id == "net.database-exposed"
    assert finding.severity == Severity.MEDIUM
    assert finding.location == "5432/tcp"
    assert finding.evidence == PG_EVIDENCE
    assert finding.detail == {
        "database": "PostgreSQL",
        "ssl": False,
        "startup": "password requested (SASL: SCRAM-SHA-256)",
    }


@pytest.mark.lab
def test_internal_postgresql_is_not_applicable(lab_state: lab.LabState) -> None:
    target = service_target(lab.WEAK_ADDR, 5432, "postgresql", exposure=Exposure.INTERNAL)
    attempt = run_check(DatabaseExposed, target)
    assert attempt.status == AttemptStatus.NOT_APPLICABLE
    assert attempt.reason == "not internet-exposed"


@pytest.mark.lab
def test_hardened_host_has_no_database(lab_state: lab.LabState) -> None:
    assert not lab.tcp_accepts(lab.HARDENED_ADDR, 5432)
    attempt = run_check(DatabaseExposed, service_target(lab.HARDENED_ADDR, 5432, "postgresql"))
    assert attempt.status == AttemptStatus.ERROR
    assert attempt.error_reason == ErrorReason.CONNECTIVITY


@pytest.mark.lab
def test_ssh_named_postgresql_is_not_applicable(lab_state: lab.LabState) -> None:
    # sshd sends its banner, then rejects the SSLRequest: by an error line, or by a reset
    # (then only the banner's first byte, 'S', may have been read): never PostgreSQL.
    for address in (lab.WEAK_ADDR, lab.HARDENED_ADDR):
        attempt = run_check(DatabaseExposed, service_target(address, 22, "postgresql"))
        assert attempt.status == AttemptStatus.NOT_APPLICABLE, attempt.reason
        assert "not PostgreSQL" in attempt.reason or "SSH-2.0" in attempt.reason


# ------------------------------------------------------------------------------ scripted peers


@contextlib.contextmanager
def scripted(answer: Callable[[bytes], bytes], *, speaks_first: bool = False) -> Iterator[int]:
    """A one-exchange TCP peer on 127.0.0.1: reads a request (unless it speaks first), sends
    ``answer(request)``, then waits for the client to close (an empty answer: closes at once).
    Yields the port."""
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                with contextlib.suppress(OSError):
                    request = b"" if speaks_first else conn.recv(4096)
                    data = answer(request)
                    if data:
                        conn.sendall(data)
                        conn.recv(4096)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        listener.close()


def run_on(port: int, name: str) -> tuple[AttemptStatus, str, dict[str, object]]:
    attempt = run_check(DatabaseExposed, service_target("127.0.0.1", port, name), timeout=5)
    finding = attempt.findings[0] if attempt.findings else None
    return (
        attempt.status,
        finding.evidence if finding else attempt.reason,
        finding.detail if finding else {},
    )


def test_mysql_greeting() -> None:
    version = b"8.0.36-0ubuntu0.22.04.1"
    payload = b"\x0a" + version + b"\x00" + struct.pack("<I", 7) + b"abcdefgh\x00" + b"\x00" * 20
    packet = len(payload).to_bytes(3, "little") + b"\x00" + payload
    with scripted(lambda _req: packet, speaks_first=True) as port:
        status, evidence, detail = run_on(port, "mysql")
    assert status == AttemptStatus.FAIL
    assert evidence == (
        "MySQL protocol 10 greeting from an internet-exposed asset: server version "
        "'8.0.36-0ubuntu0.22.04.1'"
    )
    assert detail == {"database": "MySQL", "version": "8.0.36-0ubuntu0.22.04.1"}


def test_mysql_refusing_host_still_answers() -> None:
    message = b"Host '203.0.113.9' is not allowed to connect to this MySQL server"
    payload = b"\xff" + struct.pack("<H", 1130) + message
    packet = len(payload).to_bytes(3, "little") + b"\x00" + payload
    with scripted(lambda _req: packet, speaks_first=True) as port:
        status, evidence, _ = run_on(port, "mysql")
    assert status == AttemptStatus.FAIL
    assert evidence == (
        f"MySQL answered an internet-exposed asset's port with error 1130: {message.decode()!r}"
    )


def bson(fields: bytes) -> bytes:
    return struct.pack("<i", len(fields) + 5) + fields + b"\x00"


def test_mongodb_is_master() -> None:
    doc = bson(
        b"\x08ismaster\x00\x01"
        + b"\x10maxWireVersion\x00" + struct.pack("<i", 21)
        + b"\x02setName\x00" + struct.pack("<i", 4) + b"rs0\x00"
        + b"\x01ok\x00" + struct.pack("<d", 1.0)
    )  # fmt: skip

    def reply(request: bytes) -> bytes:
        request_id, _, opcode = struct.unpack_from("<iii", request, 4)
        assert opcode == 2004 and b"admin.$cmd\x00" in request and b"isMaster" in request
        body = struct.pack("<iqii", 8, 0, 0, 1) + doc
        return struct.pack("<iiii", 16 + len(body), 99, request_id, 1) + body

    with scripted(reply) as port:
        status, evidence, detail = run_on(port, "mongod")
    assert status == AttemptStatus.FAIL
    assert evidence == (
        "MongoDB answered isMaster on an internet-exposed asset: ismaster=True, "
        "maxWireVersion=21 (MongoDB 7.0), setName='rs0'"
    )
    assert detail == {"database": "MongoDB", "ismaster": True, "maxWireVersion": 21,
                      "setName": "rs0"}  # fmt: skip


def http_reply(status: str, body: bytes, headers: str = "") -> Callable[[bytes], bytes]:
    def reply(request: bytes) -> bytes:
        assert request.startswith(b"GET / HTTP/1.")
        head = (
            f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{headers}"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        return head.encode() + body

    return reply


def test_elasticsearch_banner() -> None:
    banner = json.dumps(
        {
            "name": "node-1",
            "cluster_name": "prod-logs",
            "version": {"number": "7.17.9"},
            "tagline": "You Know, for Search",
        }
    ).encode()
    with scripted(http_reply("200 OK", banner)) as port:
        status, evidence, detail = run_on(port, "wap-wsp")
    assert status == AttemptStatus.FAIL
    assert evidence == (
        f"Elasticsearch answered GET http://127.0.0.1:{port}/ without authentication: "
        "cluster_name='prod-logs', version 7.17.9"
    )
    assert detail == {"database": "Elasticsearch", "cluster_name": "prod-logs",
                      "version": "7.17.9"}  # fmt: skip


def test_elasticsearch_with_security_still_answers() -> None:
    body = b'{"error":{"type":"security_exception"},"status":401}'
    headers = 'WWW-Authenticate: Basic realm="security" charset="UTF-8"\r\n'
    with scripted(http_reply("401 Unauthorized", body, headers)) as port:
        status, evidence, _ = run_on(port, "elasticsearch")
    assert status == AttemptStatus.FAIL
    assert evidence.startswith(f"Elasticsearch answered GET http://127.0.0.1:{port}/ with 401")


def test_plain_web_server_is_not_elasticsearch() -> None:
    with scripted(http_reply("200 OK", b"<html>hello</html>")) as port:
        status, reason, _ = run_on(port, "elasticsearch")
    assert status == AttemptStatus.NOT_APPLICABLE
    assert "not like Elasticsearch" in reason


def test_mssql_prelogin() -> None:
    def reply(request: bytes) -> bytes:
        assert request[0] == 0x12  # PRELOGIN
        data = bytes([15, 0]) + struct.pack(">H", 2000) + b"\x00\x00" + b"\x02"
        table = struct.pack(">BHHBHHB", 0x00, 11, 6, 0x01, 17, 1, 0xFF)
        payload = table + data
        return struct.pack(">BBHHBB", 0x04, 0x01, 8 + len(payload), 0, 1, 0) + payload

    with scripted(reply) as port:
        status, evidence, detail = run_on(port, "ms-sql-s")
    assert status == AttemptStatus.FAIL
    assert evidence == (
        "MS SQL Server answered PRELOGIN on an internet-exposed asset: version 15.0.2000, "
        "encryption ENCRYPT_NOT_SUP"
    )
    assert detail["version"] == "15.0.2000"


def test_oracle_tns_refuse() -> None:
    text = b"(DESCRIPTION=(TMP=)(VSNNUM=318767104)(ERR=1189)(ERROR_STACK=(ERROR=(CODE=1189))))"

    def reply(request: bytes) -> bytes:
        assert request[4] == 1 and b"(CONNECT_DATA=(COMMAND=version))" in request
        body = b"\x22\x00" + struct.pack(">H", len(text)) + text
        return struct.pack(">HHBBH", 8 + len(body), 0, 4, 0, 0) + body

    with scripted(reply) as port:
        status, evidence, _ = run_on(port, "oracle")
    assert status == AttemptStatus.FAIL
    assert evidence == (
        "Oracle TNS listener answered CONNECT on an internet-exposed asset with REFUSE: "
        f"{text.decode()!r}"
    )


def test_database_port_closing_at_once_is_inconclusive() -> None:
    with scripted(lambda _req: b"", speaks_first=True) as port:
        attempt = run_check(DatabaseExposed, service_target("127.0.0.1", port, "mysql"))
    assert attempt.status == AttemptStatus.ERROR
    assert attempt.error_reason == ErrorReason.INCONCLUSIVE
    assert "closed the connection" in attempt.reason
