"""HTML page without a Content-Security-Policy.

A Content-Security-Policy tells the browser which scripts, styles and frames a page may load;
without one, any injected markup (stored or reflected cross-site scripting, a compromised
third-party script) runs with the page's full rights. The check fetches the page (following
redirects inside the scope) and reports an HTML answer that carries no
``Content-Security-Policy`` header and no ``<meta http-equiv="Content-Security-Policy">``. A
``Content-Security-Policy-Report-Only`` header alone does not protect (it only reports) and is
named in the evidence. Non-HTML answers are not applicable; a 5xx answer is inconclusive. The
quality of a policy that is present (``unsafe-inline`` and the like) is not judged here.

Sample evidence::

    https://portal.example/ answered 200 (text/html) without a Content-Security-Policy header
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.web._web import PROBE_BYTES, answered_page, is_html, status_line
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

META_CSP = re.compile(
    rb"<meta[^>]+http-equiv\s*=\s*[\"']?content-security-policy[\"'\s>]", re.IGNORECASE
)


class CspMissing(Check):
    id = "web.csp-missing"
    title = "HTML page without a Content-Security-Policy"
    family = "web"
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.URL,))
    references = ("CWE-693", "CWE-79", "https://developer.mozilla.org/docs/Web/HTTP/CSP")
    remediation = (
        "Send a Content-Security-Policy header on every HTML response, starting from "
        "\"default-src 'self'; object-src 'none'; frame-ancestors 'self'\" and widening it only "
        "for the sources the site really uses."
    )

    def run(self, target: UrlTarget, ctx: CheckContext) -> Iterator[Finding]:
        response = answered_page(ctx, target)
        if not is_html(response):
            raise NotApplicable(f"{one_line(response.url)} does not answer with HTML")
        if response.header("Content-Security-Policy") is not None:
            return
        if META_CSP.search(response.body[:PROBE_BYTES]):
            return
        note = ""
        if response.header("Content-Security-Policy-Report-Only") is not None:
            note = " (only Content-Security-Policy-Report-Only, which enforces nothing)"
        yield self.finding(
            target,
            f"{one_line(response.url, 120)} answered {status_line(response)} without a "
            f"Content-Security-Policy header{note}",
        )
