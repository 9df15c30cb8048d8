"""HTTPS site without HTTP Strict Transport Security.

Without an HSTS header a browser that once typed ``http://`` can be kept on clear text by anyone
on the path (SSL stripping). The check fetches each URL asset (following redirects inside the
scope) and, when the final page is served over HTTPS, reports a missing
``Strict-Transport-Security`` header or one whose ``max-age`` is under the configured minimum
(setting ``min_max_age``, default 15552000 seconds, i.e. 180 days). A site that ends on plain HTTP
is not applicable here (``web.http-no-https-redirect`` covers it).

Sample evidence::

    https://portal.example/ answered 200 without a Strict-Transport-Security header
"""

from __future__ import annotations

import re
from collections.abc import Iterator

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

MAX_AGE = re.compile(r"max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


class HstsMissing(Check):
    id = "web.hsts-missing"
    title = "HTTPS site does not send Strict-Transport-Security"
    family = "web"
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.URL,))
    references = ("CWE-319", "MLPS-8.1.4.8a")
    remediation = (
        "Send 'Strict-Transport-Security: max-age=31536000; includeSubDomains' on every HTTPS "
        "response (nginx: add_header ... always;), after making sure every subdomain serves HTTPS."
    )

    def run(self, target: UrlTarget, ctx: CheckContext) -> Iterator[Finding]:
        response = ctx.http_get(target.url)
        if not response.url.startswith("https://"):
            raise NotApplicable(f"the site ends on plain HTTP ({one_line(response.url)})")
        minimum = int(ctx.setting("min_max_age", 15552000))
        header = response.header("Strict-Transport-Security")
        if header is None:
            yield self.finding(
                target,
                f"{response.url} answered {response.status} without a "
                "Strict-Transport-Security header",
            )
            return
        match = MAX_AGE.search(header)
        max_age = int(match.group(1)) if match else 0
        if max_age < minimum:
            yield self.finding(
                target,
                f"{response.url} sends Strict-Transport-Security: {header!r} (max-age {max_age} "
                f"< {minimum})",
                detail={"header": one_line(header), "max_age": max_age},
            )
