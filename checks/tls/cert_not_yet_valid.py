"""TLS certificate is not valid yet.

A certificate whose validity starts in the future is refused by every client until then: a
wrong clock on the machine that issued it, or a certificate deployed too early. The check reads
the server certificate (the leaf) from the run's one sslyze scan of the endpoint (see
``checks/tls/_scan.py``) and reports it when its ``notBefore`` lies in the future (by the
scanner's clock). It runs on ``https://`` URLs and on discovered non-HTTP TLS services; a plain
``http://`` URL is not applicable.

Sample evidence::

    portal.example:443 presents certificate CN=portal.example,O=Example that is not valid
    before 2040-01-01 00:00:00 UTC
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from checks.tls._facts import APPLIES, tls_facts
from checks.tls._text import when
from scanner.api import Check, CheckContext, Finding, ServiceTarget, Severity, UrlTarget


class CertNotYetValid(Check):
    id = "tls.cert-not-yet-valid"
    title = "TLS certificate is not valid yet"
    family = "tls"
    severity = Severity.HIGH
    applies_to = APPLIES
    references = ("CWE-298", "CWE-295", "MLPS-8.1.2.2", "CSL-21")
    remediation = (
        "Install a certificate that is valid now, and check the clock (NTP) of the system that "
        "issued it."
    )

    def run(self, target: UrlTarget | ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        facts = tls_facts(target, ctx)
        leaf = facts.leaf
        if leaf.not_before <= datetime.now(UTC):
            return
        yield self.finding(
            target,
            f"{facts.endpoint.label} presents certificate {leaf.subject} that is not valid "
            f"before {when(leaf.not_before)}",
            detail={"not_before": when(leaf.not_before), "sha256": leaf.sha256},
        )
