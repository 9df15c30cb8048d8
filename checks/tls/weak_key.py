"""TLS certificate has a weak public key.

Short keys can be factored or their discrete logarithm found: RSA and DSA keys under 2048 bits
(setting ``min_rsa_bits``, default 2048, also used for DSA) and elliptic-curve keys on curves
under 256 bits (``secp192r1``, ``secp224r1``, the small binary curves) fall short of current
guidance (NIST SP 800-131A, CA/Browser Forum). The check takes the certificate chain the server
sent from the run's one sslyze scan of the endpoint (see ``checks/tls/_scan.py``) and reports one
finding listing every weak key of the leaf and of the intermediate certificates (a self-signed
root the server also sends is not judged). It runs on ``https://`` URLs and on discovered
non-HTTP TLS services; a plain ``http://`` URL is not applicable.

Sample evidence::

    portal.example:443 sends weak keys: leaf CN=portal.example,O=Example: RSA 1024 bits
    (minimum 2048)
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.tls._facts import APPLIES, CertFacts, tls_facts
from scanner.api import Check, CheckContext, Finding, ServiceTarget, Severity, UrlTarget

MIN_EC_BITS = 256


def weakness(cert: CertFacts, min_rsa_bits: int) -> str | None:
    """Why ``cert``'s key is weak, or None."""
    if cert.key_type in ("RSA", "DSA") and cert.key_bits < min_rsa_bits:
        return f"{cert.key_type} {cert.key_bits} bits (minimum {min_rsa_bits})"
    if cert.key_type == "EC" and cert.key_bits < MIN_EC_BITS:
        return f"EC {cert.curve} {cert.key_bits} bits (minimum {MIN_EC_BITS})"
    return None


class WeakKey(Check):
    id = "tls.weak-key"
    title = "TLS certificate has a weak public key"
    family = "tls"
    severity = Severity.MEDIUM
    applies_to = APPLIES
    references = ("CWE-326", "MLPS-8.1.2.2", "https://csrc.nist.gov/pubs/sp/800/131/a/r2/final")
    remediation = (
        "Issue the certificate for a new key of at least RSA 2048 bits (3072 recommended) or "
        "ECDSA P-256/P-384, and have the CA reissue intermediates that use short keys."
    )

    def run(self, target: UrlTarget | ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        min_rsa_bits = int(ctx.setting("min_rsa_bits", 2048))
        facts = tls_facts(target, ctx)
        weak = [
            (role, cert, why)
            for role, cert in facts.issued()
            if (why := weakness(cert, min_rsa_bits)) is not None
        ]
        if not weak:
            return
        listed = "; ".join(f"{role} {cert.subject}: {why}" for role, cert, why in weak)
        yield self.finding(
            target,
            f"{facts.endpoint.label} sends weak keys: {listed}",
            detail={"weak": [{"certificate": c.subject, "key": why} for _r, c, why in weak]},
        )
