"""Service identification: the scanner's own protocol probes decide what an open port speaks.

nmap without ``-sV`` names a port by its number (6379 is "redis", 8080 "http-proxy"), so a Redis
moved to port 8080 would escape the Redis checks. After discovery, each open TCP port is
identified by what it says unasked (a banner) or, if it stays silent, by the first of a few
read-only probes that it answers in its own protocol. The probe for the port's usual service goes
first, so a well-behaved service costs one connection; on an industrial port (S7comm, Modbus,
IEC 104, DNP3, EtherNet/IP, OPC UA by nmap's name) that probe runs alone, before any other.
Assets tagged ``ot`` get the banner read and the usual-service probe only: no guessing with
other protocols' bytes at a PLC.

Every probe is scope-checked and rate-limited through :class:`~scanner.engine.context.CheckContext`,
reads are bounded, and each port has a deadline. A port nothing recognises keeps nmap's name.
"""

from __future__ import annotations

import re
import ssl
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from scanner.core.models import Service
from scanner.engine.context import CheckContext, RunServices

BANNER_WAIT = 0.5
PROBE_WAIT = 1.0
PORT_DEADLINE = 10.0
CHECK_ID = "discovery.identify"  # what refusals and rate limiting attribute the probes to


@dataclass(frozen=True)
class Probe:
    """A read-only request that a service of ``name`` answers recognisably."""

    name: str
    payload: bytes
    answer: Callable[[bytes], bool]


def _ftp(b: bytes) -> bool:
    return b.startswith(b"220") and b"smtp" not in b.lower() and b"esmtp" not in b.lower()


#: What a service says unasked, in order: the first match names it.
BANNERS: tuple[tuple[str, Callable[[bytes], bool]], ...] = (
    ("ssh", lambda b: b.startswith(b"SSH-")),
    ("telnet", lambda b: len(b) >= 3 and b[0] == 0xFF and 0xFB <= b[1] <= 0xFE),
    ("vnc", lambda b: b.startswith(b"RFB ")),
    ("smtp", lambda b: b.startswith(b"220") and b"smtp" in b.lower()),
    ("ftp", _ftp),
    ("pop3", lambda b: b.startswith(b"+OK")),
    ("imap", lambda b: b.startswith(b"* OK")),
    ("mysql", lambda b: len(b) > 5 and b[3] == 0 and b[4] == 10),
)

_MBAP = re.compile(rb"\x13\x37\x00\x00..\x01", re.DOTALL)

#: Probes for silent services; each is read-only in its protocol.
PROBES: dict[str, Probe] = {
    p.name: p
    for p in (
        Probe(
            "http",
            b"GET / HTTP/1.0\r\nUser-Agent: scanner-identify\r\n\r\n",
            lambda b: b.startswith(b"HTTP/"),
        ),
        Probe(
            "redis",
            b"*1\r\n$4\r\nPING\r\n",
            lambda b: b.startswith((b"+PONG", b"-NOAUTH", b"-DENIED", b"-ERR")),
        ),
        # MQTT 3.1.1 CONNECT, clean session, no credentials: a broker answers CONNACK (0x20 0x02).
        Probe(
            "mqtt",
            b"\x10\x19\x00\x04MQTT\x04\x02\x00\x0a\x00\x0dscanner-ident",
            lambda b: b.startswith(b"\x20\x02"),
        ),
        # PostgreSQL SSLRequest: the server answers a single 'S' or 'N'.
        Probe("postgresql", b"\x00\x00\x00\x08\x04\xd2\x16\x2f", lambda b: b in (b"S", b"N")),
        # Modbus/TCP Read Device Identification (0x2B/0x0E), unit 1: read-only by definition.
        Probe(
            "modbus",
            b"\x13\x37\x00\x00\x00\x05\x01\x2b\x0e\x01\x00",
            lambda b: bool(_MBAP.match(b)),
        ),
        # The industrial protocols' first, read-only step (the same bytes the checks send, see
        # docs/ot-safety.md): S7comm's COTP connection request (answered by a COTP Connection
        # Confirm), IEC 104's STARTDT act (STARTDT con), EtherNet/IP's List Identity, OPC UA's
        # Hello (Acknowledge) and DNP3's Request Link Status to address 1 (Link Status).
        Probe(
            "s7",
            b"\x03\x00\x00\x16\x11\xe0\x00\x00\x00\x01\x00\xc0\x01\x0a\xc1\x02\x01\x00"
            b"\xc2\x02\x01\x02",
            lambda b: len(b) >= 6 and b[:2] == b"\x03\x00" and b[5] == 0xD0,
        ),
        Probe("iec104", b"\x68\x04\x07\x00\x00\x00", lambda b: b[:3] == b"\x68\x04\x0b"),
        Probe(
            "enip",
            b"\x63\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00scanner\x00\x00\x00\x00\x00",
            lambda b: b[:2] == b"\x63\x00" and b[12:20] == b"scanner\x00",
        ),
        Probe(
            "opcua",
            b"HELF\x2c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x01\x00"
            b"\x00\x00\x01\x00\x01\x00\x00\x00\x0c\x00\x00\x00opc.tcp://x/",
            lambda b: b[:4] in (b"ACKF", b"ERRF"),
        ),
        Probe(
            "dnp3",
            b"\x05\x64\x05\xc9\x01\x00\x03\x00\x75\x3e",
            lambda b: b[:2] == b"\x05\x64" and len(b) >= 4 and b[3] & 0x0F == 0x0B,
        ),
    )
}
#: The probes that speak an industrial protocol, by the request kind the checks declare for
#: the same bytes (docs/ot-safety.md lists them; a test holds the two together).
OT_PROBES = {
    "modbus": "modbus.read-device-id",
    "s7": "s7.cotp-connect",
    "iec104": "iec104.startdt",
    "enip": "enip.list-identity",
    "opcua": "opcua.hello",
    "dnp3": "dnp3.link-status",
}
#: nmap's port-table names that mean one of our probes' services.
ALIASES = {
    "http-alt": "http",
    "http-proxy": "http",
    "mbap": "modbus",
    "postgres": "postgresql",
    "iso-tsap": "s7",
    "iec-104": "iec104",
    "EtherNetIP-2": "enip",
    "opcua-tcp": "opcua",
    "dnp": "dnp3",
}
TLS_NAMES = ("https", "https-alt", "ssl/http")


def identify_all(
    services: Iterable[Service], run: RunServices, *, ot: set[str], workers: int = 16
) -> list[Service]:
    """Identify every TCP service concurrently; UDP services keep nmap's name."""
    items = list(services)
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="identify") as pool:
        return list(pool.map(lambda s: identify(s, run, ot=s.address in ot), items))


def identify(service: Service, run: RunServices, *, ot: bool = False) -> Service:
    """The service with its name decided by its own answers (or nmap's name if none fits)."""
    if service.protocol != "tcp":
        return service
    ctx = CheckContext(run, CHECK_ID, time.monotonic() + PORT_DEADLINE, ot=ot)
    try:
        name = _identify(service, ctx, ot)
    except (OSError, TimeoutError):
        return service  # refused, reset or out of time: nmap's name is all we know
    return replace(service, name=name) if name else service


def _identify(service: Service, ctx: CheckContext, ot: bool) -> str | None:
    address, port = service.address, service.port
    with ctx.connect(address, port, timeout=PROBE_WAIT, read_limit=4096) as conn:
        banner = conn.recv_for(BANNER_WAIT, max_bytes=512)
    if banner:
        return next((name for name, says in BANNERS if says(banner)), None)
    hinted = ALIASES.get(service.name, service.name)
    if hinted in OT_PROBES:
        # An industrial port gets its own protocol's probe alone first: a controller that
        # answers it never sees another protocol's bytes, even on an asset not marked ot.
        named = _answers(ctx, address, port, hinted)
        if named or ot:
            return named
    order = ["tls"] if hinted in TLS_NAMES else [hinted] if hinted in PROBES else []
    if not ot:
        # TLS before anything else: a TLS port answers plain HTTP too (with an error page).
        order = ["tls", *(n for n in (*order, *PROBES) if n != "tls")]
        order = list(dict.fromkeys(order))
    if len(order) <= 1:
        return _answers(ctx, address, port, order[0]) if order else None
    # Each probe on its own connection, the generic ones all at once: a port that swallows
    # every guess costs one probe's wait, not the sum of them. The industrial ones come after,
    # three at a time: controllers keep short listen queues (python-snap7 5, c104 2) that a
    # dozen simultaneous connections overflow, and a port a generic probe names never sees
    # them. The first match in priority order names the port.
    generic = [n for n in order if n not in OT_PROBES]
    industrial = [n for n in order if n in OT_PROBES and n != hinted]
    for batch in (generic, industrial[:3], industrial[3:]):
        if not batch:
            continue
        with ThreadPoolExecutor(max_workers=len(batch), thread_name_prefix="probe") as pool:
            answered = list(pool.map(lambda n: _answers(ctx, address, port, n), batch))
        found = next((a for a in answered if a), None)
        if found:
            return found
    return None


def _answers(ctx: CheckContext, address: str, port: int, name: str) -> str | None:
    """The service name if the port answers probe ``name`` in its protocol, else None."""
    try:
        if name == "tls":
            if not _speaks_tls(ctx, address, port):
                return None
            return "https" if _https(ctx, address, port) else "ssl"
        probe = PROBES[name]
        with ctx.connect(address, port, timeout=PROBE_WAIT, read_limit=4096) as conn:
            conn.send(probe.payload)
            reply = conn.recv(256, timeout=PROBE_WAIT)
    except (OSError, TimeoutError):
        return None  # refused, hung up or silent: not this protocol
    return name if reply and probe.answer(reply) else None


def _tls_context() -> ssl.SSLContext:
    # Identification only: any certificate, any version the local OpenSSL still speaks.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    context.set_ciphers("ALL:@SECLEVEL=0")  # a TLS 1.0-only legacy server is still TLS
    return context


def _speaks_tls(ctx: CheckContext, address: str, port: int) -> bool:
    with ctx.connect(address, port, timeout=PROBE_WAIT) as conn:
        conn.sock.settimeout(min(PROBE_WAIT, ctx.remaining()))
        try:
            with _tls_context().wrap_socket(conn.sock, do_handshake_on_connect=True):
                return True
        except (ssl.SSLError, OSError):
            return False


def _https(ctx: CheckContext, address: str, port: int) -> bool:
    with ctx.connect(address, port, timeout=PROBE_WAIT) as conn:
        conn.sock.settimeout(min(PROBE_WAIT, ctx.remaining()))
        try:
            with _tls_context().wrap_socket(conn.sock) as tls:
                tls.sendall(PROBES["http"].payload)
                return tls.recv(16).startswith(b"HTTP/")
        except (ssl.SSLError, OSError):
            return False
