"""Site served over plain HTTP without a redirect to HTTPS.

Whatever a plain-HTTP page carries (logins, session cookies, personal data, the page itself) can
be read and changed by anyone on the path. The check fetches each plain ``http://`` URL asset and
each discovered plain-HTTP service, following redirects inside the scope, and reports when the
answer ends on plain HTTP. A redirect to an ``https://`` URL is a pass, even when that URL is out
of scope (it is recorded, not followed). A redirect that leaves the scope to another ``http://``
URL cannot be decided and is inconclusive. Only HTTP redirects (301, 302, 303, 307, 308) count: a
``<meta http-equiv="refresh">`` or script redirect leaves clients that do not run it on HTTP. An
HTTPS URL is not applicable; a port that answers "plain HTTP request was sent to HTTPS port"
speaks HTTPS and is not applicable either.

Sample evidence::

    http://portal.example/ answered 200 over plain HTTP without redirecting to HTTPS
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.web._web import page
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    Inconclusive,
    NotApplicable,
    Severity,
    UrlTarget,
    one_line,
)

HTTPS_PORT_ANSWER = b"plain HTTP request was sent to HTTPS port"


class HttpNoHttpsRedirect(Check):
    id = "web.http-no-https-redirect"
    title = "Plain-HTTP site does not redirect to HTTPS"
    family = "web"
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.URL,))
    references = ("CWE-319", "MLPS-8.1.2.2")
    remediation = (
        "Serve the site over HTTPS and answer every plain-HTTP request with a permanent redirect "
        "to the same path on https:// (nginx: return 301 https://$host$request_uri;), then send "
        "Strict-Transport-Security."
    )

    def run(self, target: UrlTarget, ctx: CheckContext) -> Iterator[Finding]:
        if not target.url.startswith("http://"):
            raise NotApplicable(f"{one_line(target.url)} is not a plain-HTTP URL")
        response = page(ctx, target)
        if response.url.startswith("https://") or response.refused_redirect.startswith("https://"):
            return
        if response.refused_redirect:
            raise Inconclusive(
                f"{one_line(response.url)} redirects out of scope to "
                f"{one_line(response.refused_redirect)}, over plain HTTP: not followed"
            )
        if response.status == 400 and HTTPS_PORT_ANSWER in response.body:
            raise NotApplicable(f"{one_line(target.url)} is an HTTPS port")
        via = ""
        if response.redirects:
            via = f" after {len(response.redirects)} redirect(s) to {one_line(response.url, 120)}"
        yield self.finding(
            target,
            f"{one_line(target.url, 120)} answered {response.status} over plain HTTP{via} "
            "without redirecting to HTTPS",
            detail={"final_url": one_line(response.url), "status": response.status},
        )
