"""Service identification: the scanner's own protocol probes decide what an open port speaks.

nmap without ``-sV`` names a port by its number (6379 is "redis", 8080 "http-proxy"), so a Redis
moved to port 8080 would escape the Redis checks. After discovery, each open TCP port is
identified by what it says unasked (a banner) or by the first of a few read-only probes that it
answers in its own protocol. A port whose usual service is one we probe (``http``, ``redis``...)
gets that probe and TLS first, sent at once without waiting for a banner (a service that speaks
first says its banner anyway, and the reply is read as one), so a well-behaved service costs one
or two connections and one round trip; only when neither answers are the other guesses and the
banner read made, all at once and with a shorter wait (``SILENT_WAIT``). A port whose usual
service speaks first (``ssh``, ``ftp``...) is read for its banner first, until it is recognised
or pauses. On an industrial port (S7comm, Modbus, IEC 104, DNP3, EtherNet/IP, OPC UA
by nmap's name) that port's own probe runs alone, before any other, and the industrial guesses
come after the generic ones, three at a time (controllers keep short listen queues). Assets
tagged ``ot`` get the banner read and the usual-service probe only: no
guessing with other protocols' bytes at a PLC.

Every probe is scope-checked and rate-limited through :class:`~scanner.engine.context.CheckContext`,
reads are bounded, and each port has a deadline. A port nothing recognises keeps nmap's name.
"""

from __future__ import annotations

import re
import ssl
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace

from scanner.core.models import Service
from scanner.engine.context import CheckContext, RunServices

BANNER_WAIT = 0.5
#: Once a banner has begun, a pause this long ends it.
BANNER_PAUSE = 0.05
PROBE_WAIT = 1.0
#: The guesses at a port whose usual service did not answer (or that has none) wait less: a
#: service answers its own protocol within a round trip, and a port silent to every guess
#: would otherwise cost every host its longest wait.
SILENT_WAIT = 0.5
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

BANNER_NAMES = frozenset(name for name, _says in BANNERS)

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
    hinted = ALIASES.get(service.name, service.name)
    if hinted in OT_PROBES:
        # An industrial port gets its own protocol's probe alone first: a controller that
        # answers it never sees another protocol's bytes, even on an asset not marked ot.
        named = _answers(ctx, address, port, hinted)
        if named or ot:
            return named
    if ot:  # the banner, then the usual service's probe only: nothing else at a PLC
        banner = _banner(ctx, address, port)
        if banner:
            return _banner_name(banner)
        return _answers(ctx, address, port, hinted) if hinted in PROBES else None
    if hinted in BANNER_NAMES:  # it speaks first: its banner names it without a probe
        banner = _banner(ctx, address, port)
        if banner:
            return _banner_name(banner)
    # The usual service's probe and TLS first (two connections for a well-behaved port, the
    # run's rate limit spends little), then every other generic guess at once, each on its own
    # connection with the banner read: a port that swallows every guess costs one probe's wait,
    # not the sum; the first decisive answer ends each round: TLS, a probe answered in its own
    # protocol, or a banner. Plain HTTP alone waits for TLS, since a TLS port answers plain HTTP
    # too (with an error page). The industrial guesses come last, three at a time: controllers
    # keep short listen queues (python-snap7 5, c104 2) that a dozen connections overflow, and
    # a port a generic probe names never sees them.
    first = ["tls", hinted] if hinted in PROBES else ["tls"]
    industrial = [n for n in PROBES if n in OT_PROBES and n not in first]
    if hinted in PROBES or hinted in TLS_NAMES:
        name = _round(ctx, address, port, first, banner=False)
        if name:
            return name
        generic = [n for n in PROBES if n not in first and n not in OT_PROBES]
        name = _round(
            ctx, address, port, generic, banner=hinted not in BANNER_NAMES, wait=SILENT_WAIT
        )
    else:
        generic = [n for n in PROBES if n != "tls" and n not in OT_PROBES]
        name = _round(ctx, address, port, ["tls", *generic], banner=True, wait=SILENT_WAIT)
    for batch in (industrial[:3], industrial[3:]):
        if name or not batch:
            break
        name = _round(ctx, address, port, batch, banner=False, wait=SILENT_WAIT)
    return name


def _round(
    ctx: CheckContext,
    address: str,
    port: int,
    names: list[str],
    *,
    banner: bool,
    wait: float = PROBE_WAIT,
) -> str | None:
    """Probes ``names`` (and the banner read) at once, each waiting up to ``wait`` for its
    answer; the first decisive answer."""
    pool = ThreadPoolExecutor(max_workers=len(names) + 1, thread_name_prefix="probe")
    try:
        futures = {pool.submit(_answers, ctx, address, port, n, wait): n for n in names}
        if banner:
            futures[pool.submit(_banner_or_none, ctx, address, port)] = "banner"
        return _decide(futures)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # the rest end by their own timeouts


def _decide(futures: dict[Future[str | None], str]) -> str | None:
    """The first decisive answer among the probes as they end (see :func:`_identify`)."""
    results: dict[str, str | None] = {}
    for future in as_completed(futures):
        which = futures[future]
        answer = results[which] = future.result()
        if answer and which != "http":
            return answer  # TLS, a protocol's own answer, or a banner's name
        if results.get("http") and ("tls" in results or "tls" not in futures.values()):
            return results.get("tls") or "http"
    return results.get("http")


def _banner(ctx: CheckContext, address: str, port: int) -> bytes:
    """What the port says unasked within BANNER_WAIT: read until a banner is recognised or the
    service pauses (its first line), not for the whole wait."""
    with ctx.connect(address, port, timeout=PROBE_WAIT, read_limit=4096) as conn:
        end = time.monotonic() + BANNER_WAIT
        buf = bytearray()
        while len(buf) < 512:
            left = end - time.monotonic() if not buf else BANNER_PAUSE
            if left <= 0:
                break
            try:
                chunk = conn.recv(512 - len(buf), timeout=left)
            except TimeoutError:
                break
            if not chunk:
                break
            buf += chunk
            if _banner_name(bytes(buf)) and buf.endswith(b"\n"):
                break
        return bytes(buf)


def _banner_name(banner: bytes) -> str | None:
    return next((name for name, says in BANNERS if says(banner)), None)


def _banner_or_none(ctx: CheckContext, address: str, port: int) -> str | None:
    try:
        banner = _banner(ctx, address, port)
    except (OSError, TimeoutError):
        return None
    return _banner_name(banner) if banner else None


def _answers(
    ctx: CheckContext, address: str, port: int, name: str, wait: float = PROBE_WAIT
) -> str | None:
    """The service name if the port answers probe ``name`` in its protocol within ``wait``,
    else None."""
    try:
        if name == "tls":
            if not _speaks_tls(ctx, address, port, wait):
                return None
            return "https" if _https(ctx, address, port, wait) else "ssl"
        probe = PROBES[name]
        with ctx.connect(address, port, timeout=wait, read_limit=4096) as conn:
            conn.send(probe.payload)
            reply = conn.recv(256, timeout=wait)
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


def _speaks_tls(ctx: CheckContext, address: str, port: int, wait: float = PROBE_WAIT) -> bool:
    with ctx.connect(address, port, timeout=wait) as conn:
        conn.sock.settimeout(min(wait, ctx.remaining()))
        try:
            with _tls_context().wrap_socket(conn.sock, do_handshake_on_connect=True):
                return True
        except (ssl.SSLError, OSError):
            return False


def _https(ctx: CheckContext, address: str, port: int, wait: float = PROBE_WAIT) -> bool:
    with ctx.connect(address, port, timeout=wait) as conn:
        conn.sock.settimeout(min(wait, ctx.remaining()))
        try:
            with _tls_context().wrap_socket(conn.sock) as tls:
                tls.sendall(PROBES["http"].payload)
                return tls.recv(16).startswith(b"HTTP/")
        except (ssl.SSLError, OSError):
            return False
