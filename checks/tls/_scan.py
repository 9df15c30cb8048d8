"""One TLS scan per endpoint, shared by every TLS check of a run.

The first TLS check that reaches an endpoint (address, port, server name) runs one sslyze scan of
it through ``ctx.collect``: the protocol versions SSL 2.0 to TLS 1.3 with the cipher suites each
accepts, and the certificate chain the server sends. The result is reduced to :class:`TlsFacts`,
a small frozen record (bounded: at most ``MAX_CHAIN`` certificates, ``MAX_NAMES`` names each,
``MAX_SUITES`` suites per version); every other TLS check of the run reads the same record.

Where it applies: URL assets and discovered web services whose URL is ``https://`` (a plain
``http://`` one is not applicable), and discovered services the scanner names ``ssl`` (TLS that
is not HTTP) or that nmap names by an implicit-TLS port (``imaps``, ``pop3s``, ``smtps``,
``ldapssl``, ``ftps``). The two sets do not overlap, so no endpoint is planned twice.

Scope: before sslyze opens anything, the endpoint passes the engine's guard through
``ctx.connect`` (scope check, rate limit, and the address actually reached); on that connection
one permissive handshake tells a silent tarpit from a TLS server quickly. sslyze then connects
to that same IP address with its own DNS lookup disabled. Each of sslyze's own connections
(about 540 per endpoint, one handshake per cipher suite and version tried, at most
``CONNECTIONS`` at a time) is admitted like any other: sslyze's socket opener is wrapped once
(:func:`_counted_open`) so that it asks the scanning check's ``ctx.admit`` first, which checks
the address and takes a token from the run's rate limit (waiting for one); sslyze opens
nothing for an endpoint no check is scanning. The scan runs in a worker thread and the check
gives up at its deadline (the thread ends by sslyze's own socket timeouts).

Trust is decided in ``checks/tls/_trust.py``, not by sslyze's path validation (which mixes in
time and hostname): a chain is *trusted* when each link's signature verifies up to a root of the
Mozilla store shipped with sslyze or of the campaign's ``extra_ca_files``, whatever the dates,
names or key sizes (other checks report those). The records are in ``_facts.py``, the reduction
of sslyze's result in ``_reduce.py``, certificate parsing in ``_certs.py``. The checks call
``_facts.tls_facts``, which imports this module (sslyze with it) at the first scan of a run, so
loading the check registry (``scanner validate``) imports none of sslyze.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sslyze.connection_helpers import tls_connection
from sslyze.plugins.scan_commands import ScanCommand
from sslyze.scanner.models import ServerScanRequest, ServerScanResult
from sslyze.scanner.scanner import Scanner
from sslyze.server_setting import ServerNetworkConfiguration, ServerNetworkLocation

from checks.tls._facts import Endpoint, TlsFacts, is_ip
from checks.tls._reduce import reduce
from checks.tls._trust import mozilla_roots
from scanner.api import CheckContext, Connection, DeadlineExceeded, Inconclusive

#: sslyze: connections at a time per endpoint, per-connection timeout (s), retries.
CONNECTIONS = 5
NETWORK_TIMEOUT = 5
RETRIES = 1

COMMANDS = frozenset(
    {
        ScanCommand.CERTIFICATE_INFO,
        ScanCommand.SSL_2_0_CIPHER_SUITES,
        ScanCommand.SSL_3_0_CIPHER_SUITES,
        ScanCommand.TLS_1_0_CIPHER_SUITES,
        ScanCommand.TLS_1_1_CIPHER_SUITES,
        ScanCommand.TLS_1_2_CIPHER_SUITES,
        ScanCommand.TLS_1_3_CIPHER_SUITES,
    }
)


#: The scans running now: (ip, port, server name) -> the admission of each scanning check.
_SCANNING: dict[tuple[str, int, str], list[Callable[[], object]]] = {}
_SCANNING_LOCK = threading.Lock()
_direct_open = tls_connection._open_socket_for_direct_connection


def _counted_open(server_location: ServerNetworkLocation, network_timeout: int) -> socket.socket:
    """sslyze's direct socket opener, each connection admitted by the check scanning it."""
    key = (str(server_location.ip_address), server_location.port, server_location.hostname)
    with _SCANNING_LOCK:
        admits = list(_SCANNING.get(key, ()))
    if not admits:
        raise ConnectionRefusedError(f"no TLS check is scanning {key[0]}:{key[1]}")
    admits[0]()  # scope check and rate limit: waits for a token, TimeoutError past the deadline
    return _direct_open(server_location, network_timeout)


tls_connection._open_socket_for_direct_connection = _counted_open  # looked up at each call


@contextmanager
def _admitting(ep: Endpoint, ip: str, ctx: CheckContext) -> Iterator[None]:
    key = (ip, ep.port, ep.name)

    def admit() -> object:
        return ctx.admit(ip)

    with _SCANNING_LOCK:
        _SCANNING.setdefault(key, []).append(admit)
    try:
        yield
    finally:
        with _SCANNING_LOCK:
            _SCANNING[key].remove(admit)
            if not _SCANNING[key]:
                del _SCANNING[key]


def collect(ep: Endpoint, ctx: CheckContext) -> TlsFacts:
    """Scope-check ``ep`` through the engine, then scan it with sslyze before the deadline."""
    started = time.monotonic()
    with ctx.connect(ep.address, ep.port, timeout=min(10.0, ctx.remaining())) as conn:
        ip = str(conn.peer[0])
        answers_tls(conn, ep, min(float(NETWORK_TIMEOUT), ctx.remaining()))
    mozilla_roots()  # load sslyze's trust stores once, quietly, before its threads do
    with _admitting(ep, ip, ctx):
        result = run_sslyze(ep, ip, ctx.deadline)
    return reduce(ep, ip, result, time.monotonic() - started)


def answers_tls(conn: Connection, ep: Endpoint, timeout: float) -> None:
    """One permissive handshake on the guard's connection: TimeoutError when the endpoint
    accepts TCP but answers no ClientHello in ``timeout`` (a tarpit would otherwise hold sslyze's
    retries for the whole deadline). Any other failure is left for sslyze to judge: it speaks
    protocol versions this Python's OpenSSL no longer does."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    context.set_ciphers("ALL:@SECLEVEL=0")
    conn.sock.settimeout(timeout)
    server_name = None if is_ip(ep.name) else ep.name
    try:
        with context.wrap_socket(conn.sock, server_hostname=server_name):
            pass
    except TimeoutError:
        raise TimeoutError(
            f"{ep.label} accepted a connection but did not answer a TLS ClientHello in "
            f"{timeout:.0f} s"
        ) from None
    except (ssl.SSLError, OSError):
        pass


def run_sslyze(ep: Endpoint, ip: str, deadline: float) -> ServerScanResult:
    """One sslyze scan of ``ep`` at ``ip`` (no DNS), in a worker thread bounded by ``deadline``."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded("the check's deadline passed before the TLS scan")
    request = ServerScanRequest(
        server_location=ServerNetworkLocation(hostname=ep.name, port=ep.port, ip_address=ip),
        network_configuration=ServerNetworkConfiguration(
            tls_server_name_indication=ep.name,
            network_timeout=max(1, min(NETWORK_TIMEOUT, int(left / 4))),
            network_max_retries=RETRIES,
        ),
        scan_commands=set(COMMANDS),
    )
    box: list[ServerScanResult | Exception] = []

    def work() -> None:
        try:
            scanner = Scanner(
                per_server_concurrent_connections_limit=CONNECTIONS,
                concurrent_server_scans_limit=1,
            )
            scanner.queue_scans([request])
            box.extend(scanner.get_results())
        except Exception as exc:  # handed to the check's thread below
            box.append(exc)

    worker = threading.Thread(target=work, name=f"sslyze {ep.label}", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    if worker.is_alive():
        raise DeadlineExceeded(f"the TLS scan of {ep.label} did not finish before the deadline")
    if not box:
        raise Inconclusive(f"sslyze returned no result for {ep.label}")
    if isinstance(box[0], Exception):
        raise box[0]
    return box[0]
