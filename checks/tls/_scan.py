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
to that same IP address with its own DNS lookup disabled. sslyze's own connections (about 540
per endpoint, one handshake per cipher suite and version tried, at most ``CONNECTIONS`` at a
time) are not counted one by one by the run's rate limit. The scan runs in a worker thread and
the check gives up at its deadline (the thread ends by sslyze's own socket timeouts).

Trust is decided here, not by sslyze's path validation (which mixes in time and hostname): a
chain is *trusted* when each link's signature verifies up to a root of the Mozilla store shipped
with sslyze or of the campaign's ``extra_ca_files``, whatever the dates, names or key sizes
(other checks report those).
"""

from __future__ import annotations

import ssl
import threading
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib.metadata import version
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import ExtensionOID, NameOID
from sslyze.errors import (
    ConnectionToServerTimedOut,
    ServerRejectedConnection,
    TlsHandshakeFailed,
    TlsHandshakeTimedOut,
)
from sslyze.plugins.certificate_info.trust_stores.trust_store_repository import (
    TrustStoresRepository,
)
from sslyze.plugins.openssl_cipher_suites.implementation import CipherSuitesScanResult
from sslyze.plugins.scan_commands import ScanCommand
from sslyze.scanner.models import ServerScanRequest, ServerScanResult, ServerScanStatusEnum
from sslyze.scanner.scan_command_attempt import ScanCommandAttempt
from sslyze.scanner.scanner import Scanner
from sslyze.server_setting import ServerNetworkConfiguration, ServerNetworkLocation

from scanner.api import (
    AppliesTo,
    AssetKind,
    CheckContext,
    Connection,
    DeadlineExceeded,
    Inconclusive,
    NotApplicable,
    ServiceTarget,
    UrlTarget,
    one_line,
)

#: Discovered services (besides http/https ones, which get an https:// URL) that speak TLS at once.
TLS_SERVICES = ("ssl", "imaps", "pop3s", "smtps", "ldapssl", "ftps")
#: What every TLS check applies to.
APPLIES = AppliesTo(kinds=(AssetKind.URL,), services=TLS_SERVICES)

#: Bounds on what one endpoint may make us keep.
MAX_CHAIN = 10
MAX_NAMES = 100
MAX_SUITES = 400
MAX_CA_FILE = 10 * 1024 * 1024
#: sslyze: connections at a time per endpoint, per-connection timeout (s), retries.
CONNECTIONS = 5
NETWORK_TIMEOUT = 5
RETRIES = 1

PROTOCOLS = ("SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3")
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
SSLYZE_VERSION = version("sslyze")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a TLS check looks.

    Attributes:
        name: the name the target is reached by (URL host, asset host name, or its address): sent
            as SNI and matched against the certificate.
        address: what to connect to: the target's scope-checked address, else ``name``.
        port: the TCP port.
    """

    name: str
    address: str
    port: int

    @property
    def label(self) -> str:
        """``name:port`` for evidence (IPv6 names in brackets)."""
        host = f"[{self.name}]" if ":" in self.name else self.name
        return f"{host}:{self.port}"


@dataclass(frozen=True, slots=True)
class CertFacts:
    """What the TLS checks need from one certificate.

    Attributes:
        subject: the subject as an RFC 4514 string (``CN=portal.example,O=...``), bounded.
        issuer: the issuer, likewise.
        common_names: the subject's CN values.
        has_san: whether a subjectAltName extension is present (then CNs do not count as names).
        dns_names: DNS names of the subjectAltName extension.
        ip_names: IP addresses of the subjectAltName extension (normalised text).
        not_before: start of validity (aware, UTC).
        not_after: end of validity (aware, UTC).
        self_signed: the issuer is the subject and the signature verifies with the certificate's
            own key.
        key_type: ``RSA``, ``EC``, ``DSA``, ``Ed25519``, ``Ed448`` or ``unknown``.
        key_bits: size of the public key in bits (the curve size for EC).
        curve: the EC curve name, else empty.
        signature_hash: the signature's hash (``sha256``, ``sha1``, ``md5``...), empty for
            Ed25519/Ed448, ``unknown`` when cryptography does not know it.
        sha256: SHA-256 fingerprint of the certificate, hex.
        der: the certificate itself (DER), for chain building.
    """

    subject: str
    issuer: str
    common_names: tuple[str, ...]
    has_san: bool
    dns_names: tuple[str, ...]
    ip_names: tuple[str, ...]
    not_before: datetime
    not_after: datetime
    self_signed: bool
    key_type: str
    key_bits: int
    curve: str
    signature_hash: str
    sha256: str
    der: bytes

    @property
    def names(self) -> tuple[str, ...]:
        """The names the certificate is valid for: its SANs, or its CNs when it has no SAN."""
        return (*self.dns_names, *self.ip_names) if self.has_san else self.common_names


@dataclass(frozen=True, slots=True)
class TlsFacts:
    """One endpoint's TLS scan, reduced.

    Attributes:
        endpoint: what was scanned.
        ip: the scope-checked address sslyze connected to.
        suites: per protocol version sslyze tested (in ``PROTOCOLS`` order), the accepted cipher
            suites (IANA names); an empty tuple means the version is not accepted.
        failed: (what, why) for each part of the scan that did not complete: a protocol version
            or ``certificate``.
        chain: the certificates the server sent, leaf first.
        seconds: how long the scan took.
    """

    endpoint: Endpoint
    ip: str
    suites: tuple[tuple[str, tuple[str, ...]], ...]
    failed: tuple[tuple[str, str], ...]
    chain: tuple[CertFacts, ...]
    seconds: float

    @property
    def protocols(self) -> tuple[str, ...]:
        """The protocol versions the server accepts, oldest first."""
        return tuple(proto for proto, suites in self.suites if suites)

    def accepted(self, protocol: str) -> tuple[str, ...]:
        """The cipher suites accepted with ``protocol`` (empty if not accepted or not tested)."""
        return next((suites for proto, suites in self.suites if proto == protocol), ())

    def require_protocols(self) -> None:
        """Raise Inconclusive unless every protocol version was tested."""
        missing = [f"{what} ({why})" for what, why in self.failed if what in PROTOCOLS]
        if missing:
            raise Inconclusive(f"{self.endpoint.label}: could not test {'; '.join(missing)}")

    @property
    def leaf(self) -> CertFacts:
        """The server's certificate; Inconclusive when none was obtained."""
        if not self.chain:
            why = next((w for what, w in self.failed if what == "certificate"), "none was sent")
            raise Inconclusive(f"{self.endpoint.label}: no certificate to inspect ({why})")
        return self.chain[0]

    def issued(self) -> list[tuple[str, CertFacts]]:
        """(role, certificate) for the leaf and every sent certificate that is not a
        self-signed root: what the server vouches for (a root's own signature is not)."""
        out = [("leaf", self.leaf)]
        out += [("intermediate", c) for c in self.chain[1:] if not c.self_signed]
        return out


def endpoint(target: UrlTarget | ServiceTarget) -> Endpoint:
    """The TLS endpoint of ``target``; NotApplicable for a plain-HTTP URL."""
    if isinstance(target, UrlTarget):
        parts = urlsplit(target.url)
        if parts.scheme != "https":
            raise NotApplicable(f"{one_line(target.url, 200)} is not an https:// URL: no TLS")
        name = parts.hostname or target.address
        try:
            port = parts.port or 443
        except ValueError as exc:
            raise NotApplicable(f"{one_line(target.url, 200)}: bad port ({exc})") from None
    else:
        name, port = target.hostname or target.address, target.service.port
    name = name.lower().rstrip(".")
    return Endpoint(name=name, address=target.address or name, port=port)


def tls_facts(target: UrlTarget | ServiceTarget, ctx: CheckContext) -> TlsFacts:
    """The run's one TLS scan of ``target``'s endpoint (made now if no check made it yet)."""
    if target.ot:
        # A full scan opens hundreds of handshakes; an ot device gets none (docs/ot-safety.md).
        raise NotApplicable("OT-safe profile: no TLS scans of ot assets")
    ep = endpoint(target)
    return ctx.collect(("tls", ep.address, ep.port, ep.name), lambda: collect(ep, ctx))


def collect(ep: Endpoint, ctx: CheckContext) -> TlsFacts:
    """Scope-check ``ep`` through the engine, then scan it with sslyze before the deadline."""
    started = time.monotonic()
    with ctx.connect(ep.address, ep.port, timeout=min(10.0, ctx.remaining())) as conn:
        ip = str(conn.peer[0])
        answers_tls(conn, ep, min(float(NETWORK_TIMEOUT), ctx.remaining()))
    mozilla_roots()  # load sslyze's trust stores once, quietly, before its threads do
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


def reduce(ep: Endpoint, ip: str, result: ServerScanResult, seconds: float) -> TlsFacts:
    """The facts the checks need from one sslyze result; raises when nothing was scanned."""
    attempts = result.scan_result
    if result.scan_status != ServerScanStatusEnum.COMPLETED or attempts is None:
        raise _no_connectivity(ep, result)
    suites: list[tuple[str, tuple[str, ...]]] = []
    failed: list[tuple[str, str]] = []
    per_version: tuple[ScanCommandAttempt[CipherSuitesScanResult], ...] = (
        attempts.ssl_2_0_cipher_suites,
        attempts.ssl_3_0_cipher_suites,
        attempts.tls_1_0_cipher_suites,
        attempts.tls_1_1_cipher_suites,
        attempts.tls_1_2_cipher_suites,
        attempts.tls_1_3_cipher_suites,
    )
    for protocol, attempt in zip(PROTOCOLS, per_version, strict=True):
        if attempt.result is None:
            failed.append((protocol, _why(attempt)))
            continue
        accepted = attempt.result.accepted_cipher_suites[:MAX_SUITES]
        names = sorted(one_line(s.cipher_suite.name, 80) for s in accepted)
        suites.append((protocol, tuple(names)))
    chain: tuple[CertFacts, ...] = ()
    info = attempts.certificate_info
    if info.result is None:
        failed.append(("certificate", _why(info)))
    elif not info.result.certificate_deployments:
        failed.append(("certificate", "the server sent no certificate"))
    else:
        try:
            chain = tuple(
                cert_facts(c)
                for c in info.result.certificate_deployments[0].received_certificate_chain[
                    :MAX_CHAIN
                ]
            )
        except ValueError as exc:
            failed.append(("certificate", f"unreadable certificate: {one_line(str(exc), 200)}"))
    return TlsFacts(ep, ip, tuple(suites), tuple(failed), chain, seconds)


def _why(attempt: ScanCommandAttempt[Any]) -> str:
    reason = attempt.error_reason.value if attempt.error_reason else attempt.status.value
    trace = attempt.error_trace
    detail = f": {one_line(str(trace), 200)}" if trace is not None else ""
    return f"{reason}{detail}"


def _no_connectivity(ep: Endpoint, result: ServerScanResult) -> Exception:
    trace = result.connectivity_error_trace
    kind = trace.exc_type if trace is not None else None
    detail = one_line(str(trace), 300) if trace is not None else result.scan_status.value
    if kind is not None and issubclass(kind, ServerRejectedConnection):
        return ConnectionRefusedError(f"{ep.label} refused the TLS scan: {detail}")
    if kind is not None and issubclass(kind, ConnectionToServerTimedOut | TlsHandshakeTimedOut):
        return TimeoutError(f"{ep.label} timed out during the TLS scan: {detail}")
    if kind is not None and issubclass(kind, TlsHandshakeFailed):
        return Inconclusive(f"{ep.label} completed no TLS handshake: {detail}")
    return ConnectionError(f"{ep.label}: the TLS scan could not connect: {detail}")


# -- certificates ------------------------------------------------------------------------------


def cert_facts(cert: x509.Certificate) -> CertFacts:
    """The facts of one certificate; ValueError when cryptography cannot read it."""
    dns_names: list[str] = []
    ip_names: list[str] = []
    has_san = True
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    except x509.ExtensionNotFound:
        has_san = False
    else:
        san = (
            san if isinstance(san, x509.SubjectAlternativeName) else x509.SubjectAlternativeName([])
        )
        dns_names = [one_line(n, 255) for n in san.get_values_for_type(x509.DNSName)]
        ip_names = [str(a) for a in san.get_values_for_type(x509.IPAddress)]
    key_type, key_bits, curve = _key(cert)
    try:
        digest = cert.signature_hash_algorithm
        signature_hash = digest.name if digest is not None else ""
    except UnsupportedAlgorithm:
        signature_hash = "unknown"
    cns = [
        one_line(str(a.value), 255)
        for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    ]
    return CertFacts(
        subject=one_line(cert.subject.rfc4514_string(), 300),
        issuer=one_line(cert.issuer.rfc4514_string(), 300),
        common_names=tuple(cns[:MAX_NAMES]),
        has_san=has_san,
        dns_names=tuple(dns_names[:MAX_NAMES]),
        ip_names=tuple(ip_names[:MAX_NAMES]),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        self_signed=cert.issuer == cert.subject and signed_by(cert, cert),
        key_type=key_type,
        key_bits=key_bits,
        curve=curve,
        signature_hash=signature_hash,
        sha256=cert.fingerprint(hashes.SHA256()).hex(),
        der=cert.public_bytes(Encoding.DER),
    )


def _key(cert: x509.Certificate) -> tuple[str, int, str]:
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return "unknown", 0, ""
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size, key.curve.name
    if isinstance(key, rsa.RSAPublicKey | dsa.DSAPublicKey):
        return ("RSA" if isinstance(key, rsa.RSAPublicKey) else "DSA"), key.key_size, ""
    sizes = {ed25519.Ed25519PublicKey: ("Ed25519", 256), ed448.Ed448PublicKey: ("Ed448", 456)}
    kind, bits = next((v for t, v in sizes.items() if isinstance(key, t)), ("unknown", 0))
    return kind, bits, ""


def signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer`` issued ``cert``: names chain and the signature verifies with its key.

    Unlike cryptography's ``verify_directly_issued_by`` this accepts SHA-1 and MD5 signatures
    (tls.weak-signature reports those; they must not also make a chain look broken).
    """
    if cert.issuer != issuer.subject:
        return False
    try:
        _verify(cert, issuer.public_key())
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def _verify(cert: x509.Certificate, key: object) -> None:
    """Verify ``cert``'s signature with ``key``; raises InvalidSignature (or TypeError when the
    key and the signature algorithm do not fit together)."""
    data, signature = cert.tbs_certificate_bytes, cert.signature
    params = cert.signature_algorithm_parameters
    digest = cert.signature_hash_algorithm
    if isinstance(key, rsa.RSAPublicKey) and isinstance(params, padding.PSS | padding.PKCS1v15):
        if digest is None:
            raise TypeError("RSA signature without a hash")
        key.verify(signature, data, params, digest)
    elif isinstance(key, ec.EllipticCurvePublicKey) and isinstance(params, ec.ECDSA):
        key.verify(signature, data, params)
    elif isinstance(key, dsa.DSAPublicKey) and digest is not None:
        key.verify(signature, data, digest)
    elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        key.verify(signature, data)
    else:
        raise TypeError(f"cannot verify a {type(key).__name__} signature here")


_ROOTS_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _mozilla() -> tuple[str, tuple[x509.Certificate, ...]]:
    with warnings.catch_warnings():
        # One of sslyze's bundled stores has a certificate with a negative serial number.
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        store = TrustStoresRepository.get_default().get_main_store()
        roots = tuple(x509.load_pem_x509_certificates(store.path.read_bytes()))
    return f"Mozilla NSS trust store {store.version} (sslyze {SSLYZE_VERSION})", roots


def mozilla_roots() -> tuple[str, tuple[x509.Certificate, ...]]:
    """(description, roots) of the public trust store: Mozilla's, as shipped with sslyze."""
    with _ROOTS_LOCK:
        return _mozilla()


def load_ca_files(paths: Iterable[str]) -> tuple[x509.Certificate, ...]:
    """The certificates in PEM files ``paths``; Inconclusive when one cannot be read."""
    out: list[x509.Certificate] = []
    for path in paths:
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_CA_FILE + 1)
            if len(data) > MAX_CA_FILE:
                raise ValueError(f"larger than {MAX_CA_FILE} bytes")
            out.extend(x509.load_pem_x509_certificates(data))
        except (OSError, ValueError) as exc:
            raise Inconclusive(f"extra_ca_files: cannot use {path}: {exc}") from None
    return tuple(out)


def anchor(
    chain: Sequence[CertFacts], roots: Sequence[x509.Certificate]
) -> x509.Certificate | None:
    """The root of ``roots`` that ``chain`` (leaf first, as sent) leads to, or None.

    Walks from the leaf through the sent certificates, each link checked with :func:`signed_by`;
    the server may send the root itself or leave it out. Dates, names and key sizes are not
    considered here.
    """
    certs = [x509.load_der_x509_certificate(c.der) for c in chain]
    if not certs:
        return None
    by_subject: dict[x509.Name, list[x509.Certificate]] = {}
    for root in roots:
        by_subject.setdefault(root.subject, []).append(root)
    current, pool = certs[0], certs[1:]
    for _ in range(len(certs)):
        if current in roots:
            return current
        for root in by_subject.get(current.issuer, []):
            if signed_by(current, root):
                return root
        parent = next((c for c in pool if signed_by(current, c)), None)
        if parent is None:
            return None
        pool.remove(parent)
        current = parent
    return None


# -- presentation ----------------------------------------------------------------------------


def when(moment: datetime) -> str:
    """``2026-12-09 15:22:03 UTC``."""
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def hash_label(name: str) -> str:
    """``sha1`` -> ``SHA-1``, ``md5`` -> ``MD5``, ``sha256`` -> ``SHA-256``."""
    upper = name.upper()
    return (
        upper.replace("SHA", "SHA-", 1) if upper.startswith("SHA") and "-" not in upper else upper
    )


def is_ip(name: str) -> bool:
    """Whether ``name`` is an IP address literal."""
    try:
        ip_address(name)
    except ValueError:
        return False
    return True
