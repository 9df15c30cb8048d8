"""What the TLS checks read: the endpoint of a target, and one endpoint's TLS scan reduced to
small frozen records (bounded: at most ``MAX_CHAIN`` certificates, ``MAX_NAMES`` names each,
``MAX_SUITES`` suites per version), what every TLS check applies to, and :func:`tls_facts`, the
checks' way to the one scan per endpoint that ``checks/tls/_scan.py`` makes.

Nothing here imports sslyze or cryptography: the check registry imports every check module,
and ``scanner validate`` needs their metadata, not the scanner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from ipaddress import ip_address
from urllib.parse import urlsplit

from scanner.api import (
    AppliesTo,
    AssetKind,
    CheckContext,
    Inconclusive,
    NotApplicable,
    ServiceTarget,
    UrlTarget,
    one_line,
    url_host,
)

#: Bounds on what one endpoint may make us keep.
MAX_CHAIN = 10
MAX_NAMES = 100
MAX_SUITES = 400
#: The protocol versions a scan tests, oldest first.
PROTOCOLS = ("SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3")

#: Discovered services (besides http/https ones, which get an https:// URL) that speak TLS at once.
TLS_SERVICES = ("ssl", "imaps", "pop3s", "smtps", "ldapssl", "ftps")
#: What every TLS check applies to.
APPLIES = AppliesTo(kinds=(AssetKind.URL,), services=TLS_SERVICES)


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
        return f"{url_host(self.name)}:{self.port}"


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


def is_ip(name: str) -> bool:
    """Whether ``name`` is an IP address literal."""
    try:
        ip_address(name)
    except ValueError:
        return False
    return True


def tls_facts(target: UrlTarget | ServiceTarget, ctx: CheckContext) -> TlsFacts:
    """The run's one TLS scan of ``target``'s endpoint (made now if no check made it yet)."""
    if target.ot:
        # A full scan opens hundreds of handshakes; an ot device gets none (docs/ot-safety.md).
        raise NotApplicable("OT-safe profile: no TLS scans of ot assets")
    ep = endpoint(target)
    from checks.tls._scan import collect  # noqa: PLC0415  # sslyze loads with the first scan

    return ctx.collect(("tls", ep.address, ep.port, ep.name), lambda: collect(ep, ctx))
