"""TLS certificate has expired.

Browsers and API clients refuse an expired certificate, and users who are trained to click
through the warning will click through an attacker's certificate too. The check reads the
server certificate (the leaf) from the run's one sslyze scan of the endpoint (see
``checks/tls/_scan.py``) and reports it when its ``notAfter`` lies in the past. Intermediate
certificates are not judged here (servers often send stale cross-signed ones that clients
ignore). It runs on ``https://`` URLs and on discovered non-HTTP TLS services; a plain
``http://`` URL is not applicable.

Sample evidence::

    portal.example:443 presents certificate CN=portal.example,O=Example that expired on
    2021-01-01 00:00:00 UTC
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from checks.tls._facts import APPLIES, tls_facts
from checks.tls._text import when
from scanner.api import Check, CheckContext, Finding, ServiceTarget, Severity, UrlTarget


class CertExpired(Check):
    id = "tls.cert-expired"
    title = "TLS certificate has expired"
    family = "tls"
    severity = Severity.HIGH
    applies_to = APPLIES
    references = ("CWE-298", "CWE-295", "MLPS-8.1.2.2", "CSL-21")
    remediation = (
        "Install a renewed certificate (with the full chain) and automate renewal, e.g. ACME "
        "with monitoring that alerts well before expiry."
    )

    def run(self, target: UrlTarget | ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        facts = tls_facts(target, ctx)
        leaf = facts.leaf
        if leaf.not_after >= datetime.now(UTC):
            return
        yield self.finding(
            target,
            f"{facts.endpoint.label} presents certificate {leaf.subject} that expired on "
            f"{when(leaf.not_after)}",
            detail={"not_after": when(leaf.not_after), "sha256": leaf.sha256},
        )
