"""Web server default page.

A default welcome page ("Welcome to nginx!", the Apache2 Debian Default Page, IIS's start page,
Tomcat's "If you're seeing this...") shows that a server was installed and left unconfigured: it
names the product, usually runs its default (less hardened) configuration, and is often
forgotten when the other servers are patched. The check reads the page (following redirects
inside the scope) and reports a 200 answer that is one of the known default pages.

Sample evidence::

    http://portal.example/ answered 200 with the nginx default page (title 'Welcome to nginx!')
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.web._web import PROBE_BYTES, page, title
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

DEFAULT_PAGES = (
    ("nginx default page", rb"<title>\s*Welcome to nginx!|<h1>\s*Welcome to nginx!"),
    ("nginx default page", rb"Test Page for the Nginx HTTP Server"),
    ("Apache default page", rb"Apache2 (?:Debian|Ubuntu) Default Page"),
    ("Apache default page", rb"Test Page for the (?:Apache )?HTTP Server"),
    ("Apache default page", rb"<body><h1>It works!</h1>"),
    ("IIS default page", rb"<title>\s*(?:IIS Windows(?: Server)?|IIS\d*)\s*</title>"),
    ("IIS default page", rb"<title>\s*Microsoft Internet Information Services"),
    ("Tomcat default page", rb"If you're seeing this, you've successfully installed Tomcat"),
    ("lighttpd default page", rb"<title>[^<]{0,200}lighttpd[^<]{0,40}(?:works|placeholder)"),
)
SIGNATURES = tuple((name, re.compile(pattern, re.IGNORECASE)) for name, pattern in DEFAULT_PAGES)


class DefaultPage(Check):
    id = "web.default-page"
    title = "Web server default welcome page served"
    family = "web"
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.URL,))
    references = ("CWE-1188", "CWE-200")
    remediation = (
        "Replace the default page with the site's content or remove the default virtual host "
        "(nginx: the default server block; Apache: 000-default), and review the server's "
        "configuration instead of running its defaults."
    )

    def run(self, target: UrlTarget, ctx: CheckContext) -> Iterator[Finding]:
        response = page(ctx, target)
        if response.status != 200:
            return
        body = response.body[:PROBE_BYTES]
        for name, signature in SIGNATURES:
            if signature.search(body):
                shown = title(response)
                yield self.finding(
                    target,
                    f"{one_line(response.url, 120)} answered 200 with the {name}"
                    + (f" (title '{shown}')" if shown else ""),
                )
                return
