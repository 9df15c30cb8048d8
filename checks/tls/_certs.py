"""Certificates read with cryptography: the facts the TLS checks need from one certificate, and
whether one certificate signed another (SHA-1 and MD5 signatures included, on purpose).
"""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtensionOID, NameOID

from checks.tls._facts import MAX_NAMES, CertFacts
from scanner.api import one_line


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
