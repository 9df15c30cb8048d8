"""TLS endpoint accepts weak cipher suites.

Some cipher suites give away what TLS is for: export-grade and single-DES suites are breakable
in hours, NULL suites do not encrypt at all, anonymous (``anon``) suites authenticate nobody so
any man in the middle can read along, RC4 is biased (RFC 7465, CVE-2013-2566, CVE-2015-2808) and
3DES's 64-bit blocks leak plaintext on long connections (Sweet32, CVE-2016-2183). When TLS 1.0
is accepted with nothing but CBC suites, every TLS 1.0 session is exposed to BEAST
(CVE-2011-3389). The check reads the run's one sslyze scan of the endpoint (see
``checks/tls/_scan.py``: every suite sslyze knows, tried with each protocol version) and reports
one finding listing the accepted weak suites per category (IANA names). It runs on ``https://``
URLs and on discovered non-HTTP TLS services; a plain ``http://`` URL is not applicable.

Sample evidence::

    portal.example:443 accepts weak cipher suites: NULL: TLS_RSA_WITH_NULL_SHA256; 3DES:
    TLS_RSA_WITH_3DES_EDE_CBC_SHA; CBC only with TLS 1.0: TLS_RSA_WITH_AES_128_CBC_SHA
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from checks.tls._facts import APPLIES, TlsFacts, tls_facts
from scanner.api import Check, CheckContext, Finding, ServiceTarget, Severity, UrlTarget

#: Category -> whether an IANA cipher suite name belongs to it, in report order.
CATEGORIES: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("export", lambda s: "_EXPORT" in s),
    ("NULL", lambda s: "_WITH_NULL" in s),
    ("anonymous", lambda s: "_anon_" in s.lower()),
    ("RC4", lambda s: "_RC4_" in s),
    ("DES", lambda s: "_WITH_DES_" in s or "_DES40_" in s),
    ("3DES", lambda s: "3DES" in s),
)
CBC_ONLY_TLS10 = "CBC only with TLS 1.0"


def weak_suites(facts: TlsFacts) -> dict[str, list[str]]:
    """Per category (in ``CATEGORIES`` order, then CBC-only TLS 1.0), the accepted suites in it,
    each named once, in the order the scan listed them."""
    accepted = list(dict.fromkeys(s for _protocol, suites in facts.suites for s in suites))
    found = {category: [s for s in accepted if belongs(s)] for category, belongs in CATEGORIES}
    tls10 = facts.accepted("TLS 1.0")
    if tls10 and all("_CBC_" in s for s in tls10):
        found[CBC_ONLY_TLS10] = list(tls10)
    return {category: suites for category, suites in found.items() if suites}


class WeakCipher(Check):
    id = "tls.weak-cipher"
    title = "TLS endpoint accepts weak cipher suites"
    family = "tls"
    severity = Severity.MEDIUM
    applies_to = APPLIES
    references = (
        "CWE-327",
        "CWE-326",
        "CVE-2016-2183",
        "CVE-2015-2808",
        "CVE-2011-3389",
        "MLPS-8.1.4.8a",
        "https://www.rfc-editor.org/rfc/rfc7465",
    )
    remediation = (
        "Offer only AEAD suites with forward secrecy (ECDHE with AES-GCM or ChaCha20-Poly1305, "
        "and the TLS 1.3 suites), e.g. nginx: ssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20; and turn "
        "off TLS 1.0 so no CBC-only protocol version is left."
    )

    def run(self, target: UrlTarget | ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        facts = tls_facts(target, ctx)
        facts.require_protocols()
        found = weak_suites(facts)
        if not found:
            return
        listed = "; ".join(f"{category}: {', '.join(suites)}" for category, suites in found.items())
        yield self.finding(
            target,
            f"{facts.endpoint.label} accepts weak cipher suites: {listed}",
            detail=found,
        )
