"""Server or framework version disclosed in response headers.

A version number in ``Server`` (``nginx/1.22.1``, ``Apache/2.4.57 (Debian)``), ``X-Powered-By``
(``PHP/7.4.3``), ``X-AspNet-Version`` or ``X-AspNetMvc-Version`` tells an attacker exactly which
published vulnerabilities to try, without a single probe. The check fetches the page (following
redirects inside the scope) and reports those headers when they carry a version number; a
product name alone (``Server: nginx``) is a pass. Any status is inspected: error pages disclose
as much as pages do.

Sample evidence::

    Server: nginx/1.22.1; X-Powered-By: PHP/7.4.3
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.web._web import page
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

HEADERS = ("Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version")
VERSION = re.compile(r"\d+\.\d+|/v?\d+")


class ServerVersionDisclosure(Check):
    id = "web.server-version-disclosure"
    title = "Web server or framework version disclosed in headers"
    family = "web"
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.URL,))
    references = ("CWE-497", "CWE-200")
    remediation = (
        "Remove version numbers from response headers: nginx server_tokens off; Apache "
        "ServerTokens Prod and ServerSignature Off; PHP expose_php = Off; IIS/ASP.NET "
        'enableVersionHeader="false" and remove X-Powered-By.'
    )

    def run(self, target: UrlTarget, ctx: CheckContext) -> Iterator[Finding]:
        response = page(ctx, target)
        shown = [
            (name, one_line(value, 100))
            for name in HEADERS
            for value in response.header_all(name)
            if VERSION.search(value)
        ]
        if shown:
            yield self.finding(
                target,
                "; ".join(f"{name}: {value}" for name, value in shown),
                detail={"url": one_line(response.url), "headers": dict(shown)},
            )
