"""TLS endpoint accepts SSL 2.0/3.0 or TLS 1.0/1.1.

SSL 2.0 and 3.0 are broken (DROWN, POODLE: CVE-2016-0800, CVE-2014-3566); TLS 1.0 and 1.1 were
deprecated by RFC 8996 in 2021 (no AEAD ciphers, SHA-1/MD5 in the handshake, BEAST). The check
reads the run's one sslyze scan of the endpoint (see ``checks/tls/_scan.py``), which tries every
cipher suite sslyze knows with each protocol version, and reports the legacy versions the server
completes a handshake with. The finding is **high** when SSL 2.0 or 3.0 is accepted and
**medium** when only TLS 1.0/1.1 are. It runs on ``https://`` URLs (declared, or made for
discovered HTTPS services) and on discovered non-HTTP TLS services; a plain ``http://`` URL is
not applicable.

Sample evidence::

    portal.example:443 accepts legacy protocol versions: TLS 1.0, TLS 1.1
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.tls._facts import APPLIES, tls_facts
from scanner.api import Check, CheckContext, Finding, ServiceTarget, Severity, UrlTarget

BROKEN = ("SSL 2.0", "SSL 3.0")
DEPRECATED = ("TLS 1.0", "TLS 1.1")


class LegacyProtocol(Check):
    id = "tls.legacy-protocol"
    title = "TLS endpoint accepts SSL 2.0/3.0 or TLS 1.0/1.1"
    family = "tls"
    severity = Severity.HIGH
    applies_to = APPLIES
    references = (
        "CWE-327",
        "CWE-757",
        "CVE-2014-3566",
        "CVE-2016-0800",
        "MLPS-8.1.4.8a",
        "https://www.rfc-editor.org/rfc/rfc8996",
    )
    remediation = (
        "Accept TLS 1.2 and TLS 1.3 only (nginx: ssl_protocols TLSv1.2 TLSv1.3; Apache: "
        "SSLProtocol -all +TLSv1.2 +TLSv1.3), and replace clients that cannot speak TLS 1.2."
    )

    def run(self, target: UrlTarget | ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        facts = tls_facts(target, ctx)
        facts.require_protocols()
        legacy = [p for p in facts.protocols if p in BROKEN + DEPRECATED]
        if not legacy:
            return
        severity = Severity.HIGH if any(p in BROKEN for p in legacy) else Severity.MEDIUM
        yield self.finding(
            target,
            f"{facts.endpoint.label} accepts legacy protocol versions: {', '.join(legacy)}",
            severity=severity,
            detail={"legacy": legacy, "accepted": list(facts.protocols)},
        )
