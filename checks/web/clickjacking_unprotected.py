"""HTML page that any other site may frame (clickjacking).

A page that can be shown inside an invisible frame on another site lets that site trick a
logged-in user into clicking its buttons (changing settings, confirming transfers). The check
fetches the page (following redirects inside the scope) and reports an HTML answer without
``X-Frame-Options: DENY`` or ``SAMEORIGIN`` and without a Content-Security-Policy
``frame-ancestors`` directive. ``X-Frame-Options: ALLOW-FROM`` is ignored by current browsers
and does not count. Non-HTML answers are not applicable; a 5xx answer is inconclusive.

Sample evidence::

    https://portal.example/ answered 200 (text/html) without X-Frame-Options or CSP frame-ancestors
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.web._web import answered_page, is_html, status_line
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    NotApplicable,
    Severity,
    UrlTarget,
    one_line,
)

FRAME_ANCESTORS = re.compile(r"(?:^|;)\s*frame-ancestors(?:\s|;|$)", re.IGNORECASE)


class ClickjackingUnprotected(Check):
    id = "web.clickjacking-unprotected"
    title = "HTML page can be framed by any site (clickjacking)"
    family = "web"
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.URL,))
    references = ("CWE-1021",)
    remediation = (
        "Send \"Content-Security-Policy: frame-ancestors 'self'\" (or 'none') and, for older "
        "browsers, X-Frame-Options: SAMEORIGIN (or DENY) on every HTML response."
    )

    def run(self, target: UrlTarget, ctx: CheckContext) -> Iterator[Finding]:
        response = answered_page(ctx, target)
        if not is_html(response):
            raise NotApplicable(f"{one_line(response.url)} does not answer with HTML")
        policies = response.header_all("Content-Security-Policy")
        if any(FRAME_ANCESTORS.search(policy) for policy in policies):
            return
        xfo = response.header("X-Frame-Options")
        if xfo is not None and xfo.strip().upper() in ("DENY", "SAMEORIGIN"):
            return
        if xfo is None:
            why = "without X-Frame-Options or CSP frame-ancestors"
        else:
            why = (
                f"with X-Frame-Options: {one_line(xfo, 60)} (not DENY or SAMEORIGIN) and without "
                "CSP frame-ancestors"
            )
        where = f"{one_line(response.url, 120)} answered {status_line(response)}"
        yield self.finding(target, f"{where} {why}")
