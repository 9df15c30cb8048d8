"""TLS certificate is signed with SHA-1 or MD5.

Collisions of MD5 (CVE-2004-2761, the 2008 rogue CA) and of SHA-1 (SHAttered 2017, chosen-prefix
2020) let an attacker obtain a CA signature on a certificate of their own; browsers reject such
certificates. The check takes the certificate chain the server sent from the run's one sslyze
scan of the endpoint (see ``checks/tls/_scan.py``) and reports one finding listing the leaf and
intermediate certificates whose signature uses MD5, SHA-1 (or MD2/MD4). A self-signed root the
server also sends is not judged: its own signature protects nothing. It runs on ``https://``
URLs and on discovered non-HTTP TLS services; a plain ``http://`` URL is not applicable.

Sample evidence::

    portal.example:443 sends certificates with weak signatures: leaf
    CN=portal.example,O=Example: SHA-1
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.tls._facts import APPLIES, tls_facts
from checks.tls._text import hash_label
from scanner.api import Check, CheckContext, Finding, ServiceTarget, Severity, UrlTarget

WEAK_HASHES = ("md2", "md4", "md5", "sha1")


class WeakSignature(Check):
    id = "tls.weak-signature"
    title = "TLS certificate is signed with SHA-1 or MD5"
    family = "tls"
    severity = Severity.MEDIUM
    applies_to = APPLIES
    references = ("CWE-328", "CWE-327", "CVE-2004-2761", "MLPS-8.1.2.2")
    remediation = (
        "Have the certificate (and any intermediate signed with SHA-1 or MD5) reissued with a "
        "SHA-256 or stronger signature."
    )

    def run(self, target: UrlTarget | ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        facts = tls_facts(target, ctx)
        weak = [
            (role, cert)
            for role, cert in facts.issued()
            if cert.signature_hash.lower() in WEAK_HASHES
        ]
        if not weak:
            return
        listed = "; ".join(
            f"{role} {cert.subject}: {hash_label(cert.signature_hash)}" for role, cert in weak
        )
        yield self.finding(
            target,
            f"{facts.endpoint.label} sends certificates with weak signatures: {listed}",
            detail={
                "weak": [{"certificate": c.subject, "hash": c.signature_hash} for _r, c in weak]
            },
        )
