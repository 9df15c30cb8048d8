"""TLS certificate is self-signed or issued by an unknown CA.

A client cannot tell such a certificate from an attacker's, so users learn to accept warnings,
or applications turn verification off. The check takes the certificate chain the server sent
from the run's one sslyze scan of the endpoint (see ``checks/tls/_scan.py``) and walks it from
the leaf, checking each signature, up to a trusted root: one of the Mozilla NSS store shipped
with sslyze (the public web PKI, the same on every inspector's machine) or of the PEM files in
the setting ``extra_ca_files`` (a list of paths: the entity's private CA, declared in the
inventory). Dates, host names and key strength are judged by the other TLS checks, not here. A
chain that reaches no trusted root is reported, as *self-signed* when the leaf signed itself. It
runs on ``https://`` URLs and on discovered non-HTTP TLS services; a plain ``http://`` URL is not
applicable.

Sample evidence::

    portal.example:443 presents a self-signed certificate CN=portal.example,O=Example that is
    not a trusted root
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.tls._facts import APPLIES, tls_facts
from checks.tls._trust import anchor, load_ca_files, mozilla_roots
from scanner.api import (
    Check,
    CheckContext,
    Finding,
    Inconclusive,
    ServiceTarget,
    Severity,
    UrlTarget,
)


class CertUntrusted(Check):
    id = "tls.cert-untrusted"
    title = "TLS certificate is self-signed or from an unknown CA"
    family = "tls"
    severity = Severity.MEDIUM
    applies_to = APPLIES
    references = ("CWE-295", "CWE-296", "MLPS-8.1.2.2", "CSL-21")
    remediation = (
        "Serve a certificate issued by a publicly trusted CA (or, for internal systems, by the "
        "organisation's CA that clients are configured to trust) and send the intermediate "
        "certificates with it."
    )

    def run(self, target: UrlTarget | ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        extra = ctx.setting("extra_ca_files", [])
        paths = [extra] if isinstance(extra, str) else list(extra)
        if not all(isinstance(p, str) for p in paths):
            raise Inconclusive("setting extra_ca_files must be a list of file paths")
        facts = tls_facts(target, ctx)  # first: a plain-HTTP target is not applicable anyway
        extra_roots = load_ca_files(str(ctx.path(p)) for p in paths)
        leaf = facts.leaf
        store, public = mozilla_roots()
        if anchor(facts.chain, public + extra_roots) is not None:
            return
        if leaf.self_signed:
            evidence = (
                f"presents a self-signed certificate {leaf.subject} that is not a trusted root"
            )
        else:
            evidence = (
                f"presents certificate {leaf.subject} issued by {leaf.issuer} that does not "
                "chain to a trusted root"
            )
        yield self.finding(
            target,
            f"{facts.endpoint.label} {evidence}",
            detail={
                "self_signed": leaf.self_signed,
                "chain": [c.subject for c in facts.chain],
                "trust_stores": [store, *paths],
                "sha256": leaf.sha256,
            },
        )
