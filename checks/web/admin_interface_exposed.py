"""Administration login reachable from the internet.

Admin consoles (``/admin/``, Tomcat's ``/manager/html``, phpMyAdmin, the WordPress login) are
the first thing attackers try passwords against; on an internet-exposed asset they should be
reachable only from the operator's management network or VPN. On assets whose exposure is
``internet`` the check requests a short list of the usual admin paths and reports each that
answers with a login: a 200 HTML page with a password field, or a 401 that asks for HTTP
credentials. A site that answers every unknown path with the same login (compared with a random
path) is not reported. Assets with ``internal`` or ``ot`` exposure are not applicable.

Sample evidence::

    https://portal.example/admin/ answered 200 with a login form, title 'Admin login'
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.web._web import PROBE_BYTES, is_html, probes, soft_match, title
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Exposure,
    Finding,
    HttpResponse,
    NotApplicable,
    Severity,
    UrlTarget,
    one_line,
)

PATHS = (
    "/admin/",
    "/administrator/",
    "/admin/login",
    "/manager/html",
    "/phpmyadmin/",
    "/pma/",
    "/wp-login.php",
    "/console/",
)
PASSWORD = re.compile(rb"<input[^>]*\stype\s*=\s*[\"']?password", re.IGNORECASE)


def login(response: HttpResponse) -> str:
    """How the answer asks for credentials, or '' when it does not."""
    if response.status == 401 and response.header("WWW-Authenticate"):
        scheme = one_line(response.header("WWW-Authenticate") or "", 80)
        return f"an HTTP authentication prompt (WWW-Authenticate: {scheme})"
    if (
        response.status == 200
        and is_html(response)
        and PASSWORD.search(response.body[:PROBE_BYTES])
    ):
        name = title(response)
        return "a login form" + (f", title '{name}'" if name else "")
    return ""


class AdminInterfaceExposed(Check):
    id = "web.admin-interface-exposed"
    title = "Administration login exposed to the internet"
    family = "web"
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.URL,))
    references = ("CWE-284", "CWE-1220", "MLPS-8.1.4.4c")
    remediation = (
        "Serve administration interfaces only to the management network or VPN (allow/deny by "
        "address, or a separate internal virtual host), require multi-factor authentication, "
        "and remove consoles that are not used (Tomcat manager, phpMyAdmin)."
    )

    def run(self, target: UrlTarget, ctx: CheckContext) -> Iterator[Finding]:
        if target.exposure != Exposure.INTERNET:
            raise NotApplicable(f"the asset's exposure is {target.exposure.value}, not internet")
        seen: set[str] = set()
        for url, response in probes(ctx, target, PATHS):
            how = login(response)
            if not how or response.url in seen:
                continue
            if soft_match(ctx, url, response, lambda r: bool(login(r))):
                continue
            seen.add(response.url)
            landed = "" if response.url == url else f" at {one_line(response.url, 120)}"
            yield self.finding(
                target,
                f"{one_line(url, 120)} answered {response.status}{landed} with {how}",
                location=url,
            )
