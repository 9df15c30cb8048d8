"""One sslyze result reduced to :class:`~checks.tls._facts.TlsFacts`: the accepted suites per
protocol version, the parts that failed and why, the certificate chain; a scan that reached
nothing becomes the connectivity error the engine classifies.
"""

from __future__ import annotations

from typing import Any

from sslyze.errors import (
    ConnectionToServerTimedOut,
    ServerRejectedConnection,
    TlsHandshakeFailed,
    TlsHandshakeTimedOut,
)
from sslyze.plugins.openssl_cipher_suites.implementation import CipherSuitesScanResult
from sslyze.scanner.models import ServerScanResult, ServerScanStatusEnum
from sslyze.scanner.scan_command_attempt import ScanCommandAttempt

from checks.tls._certs import cert_facts
from checks.tls._facts import MAX_CHAIN, MAX_SUITES, PROTOCOLS, CertFacts, Endpoint, TlsFacts
from scanner.api import Inconclusive, one_line


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
