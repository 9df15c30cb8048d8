"""TLS certificate expires soon.

An early warning: the certificate is still valid but will expire within the configured number
of days (setting ``days``, default 30), after which clients refuse it (``tls.cert-expired``).
The check reads the server certificate (the leaf) from the run's one sslyze scan of the
endpoint (see ``checks/tls/_scan.py``); an already expired certificate is left to
``tls.cert-expired``. The number of days left is rounded down. It runs on ``https://`` URLs and
on discovered non-HTTP TLS services; a plain ``http://`` URL is not applicable.

Sample evidence::

    portal.example:443 presents certificate CN=portal.example,O=Example that expires on
    2026-12-09 15:22:03 UTC, in 9 days (threshold: 30 days)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from checks.tls._facts import APPLIES, tls_facts
from checks.tls._text import when
from scanner.api import Check, CheckContext, Finding, ServiceTarget, Severity, UrlTarget


class CertExpiringSoon(Check):
    id = "tls.cert-expiring-soon"
    title = "TLS certificate expires soon"
    family = "tls"
    severity = Severity.LOW
    applies_to = APPLIES
    references = ("CWE-298", "MLPS-8.1.2.2")
    remediation = (
        "Renew the certificate now and automate renewal (e.g. ACME), with monitoring that alerts "
        "well before expiry."
    )

    def run(self, target: UrlTarget | ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        days = int(ctx.setting("days", 30))
        facts = tls_facts(target, ctx)
        leaf = facts.leaf
        left = leaf.not_after - datetime.now(UTC)
        if left < timedelta(0) or left >= timedelta(days=days):
            return
        yield self.finding(
            target,
            f"{facts.endpoint.label} presents certificate {leaf.subject} that expires on "
            f"{when(leaf.not_after)}, in {left.days} days (threshold: {days} days)",
            detail={"not_after": when(leaf.not_after), "days_left": left.days, "days": days},
        )
