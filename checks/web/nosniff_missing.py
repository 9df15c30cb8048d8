"""Response without X-Content-Type-Options: nosniff.

Without ``nosniff`` a browser may guess ("sniff") the type of a response and run an uploaded
text or image file as a script or style sheet. The check fetches the page (following redirects
inside the scope) and reports an answer without ``X-Content-Type-Options: nosniff`` (or with
another value). Every content type is inspected; a 5xx answer is inconclusive.

Sample evidence::

    https://portal.example/ answered 200 (text/html) without X-Content-Type-Options: nosniff
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.web._web import answered_page, status_line
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    Severity,
    UrlTarget,
    one_line,
)


class NosniffMissing(Check):
    id = "web.nosniff-missing"
    title = "Response without X-Content-Type-Options: nosniff"
    family = "web"
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.URL,))
    references = ("CWE-693",)
    remediation = (
        "Send 'X-Content-Type-Options: nosniff' on every response (nginx: add_header "
        "X-Content-Type-Options nosniff always;) and serve every file with its correct type."
    )

    def run(self, target: UrlTarget, ctx: CheckContext) -> Iterator[Finding]:
        response = answered_page(ctx, target)
        value = response.header("X-Content-Type-Options")
        if value is not None and value.strip().lower() == "nosniff":
            return
        where = f"{one_line(response.url, 120)} answered {status_line(response)}"
        if value is None:
            yield self.finding(target, f"{where} without X-Content-Type-Options: nosniff")
        else:
            yield self.finding(
                target, f"{where} with X-Content-Type-Options: {one_line(value, 60)} (not nosniff)"
            )
