"""Cookie set without Secure, HttpOnly or SameSite.

Session cookies carry the user's login. Without ``Secure`` an HTTPS site's cookie also travels
over plain HTTP where anyone on the path reads it; without ``HttpOnly`` any injected script
steals it; without ``SameSite`` other sites can make the browser send it with forged requests
(CSRF). The check reads the ``Set-Cookie`` headers of the page (the final answer after redirects
inside the scope) and reports, per cookie, the attributes it lacks: ``Secure`` (only asked of
cookies set over HTTPS: a plain-HTTP site cannot set it, see ``web.http-no-https-redirect``),
``HttpOnly`` (not asked of CSRF-token cookies, which scripts must read by design: names containing
``csrf`` or ``xsrf``) and ``SameSite``. Cookies being deleted (``Max-Age=0``) are ignored.
Location: the target's location followed by ``cookie NAME``. Cookie values are never recorded.
Cookies set only on intermediate redirects are not seen.

Sample evidence::

    Set-Cookie sessionid from https://portal.example/ lacks Secure, HttpOnly, SameSite
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

CSRF = re.compile(r"csrf|xsrf", re.IGNORECASE)
MAX_COOKIES = 20


def parse(header: str) -> tuple[str, dict[str, str]]:
    """(name, {attribute lower-case: value}) of one Set-Cookie header value."""
    first, *rest = header.split(";")
    name = first.split("=", 1)[0].strip() if "=" in first else ""
    attrs: dict[str, str] = {}
    for part in rest:
        key, _, value = part.partition("=")
        attrs[key.strip().lower()] = value.strip()
    return name, attrs


class InsecureCookie(Check):
    id = "web.insecure-cookie"
    title = "Cookie set without Secure, HttpOnly or SameSite"
    family = "web"
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.URL,))
    references = ("CWE-614", "CWE-1004", "CWE-1275")
    remediation = (
        "Set session and authentication cookies with Secure; HttpOnly; SameSite=Lax (or Strict) "
        "in the application or framework configuration (PHP session.cookie_secure, "
        "session.cookie_httponly, session.cookie_samesite; Tomcat/Java cookie config)."
    )

    def run(self, target: UrlTarget, ctx: CheckContext) -> Iterator[Finding]:
        response = page(ctx, target)
        https = response.url.startswith("https://")
        seen: set[str] = set()
        for header in response.header_all("Set-Cookie")[:MAX_COOKIES]:
            name, attrs = parse(header)
            if attrs.get("max-age", "").strip() in ("0", "-1"):
                continue
            shown = one_line(name, 60) or "(unnamed)"
            missing = [
                flag
                for flag, wanted in (
                    ("Secure", https),
                    ("HttpOnly", not CSRF.search(name)),
                    ("SameSite", True),
                )
                if wanted and flag.lower() not in attrs
            ]
            if not missing or shown in seen:
                continue
            seen.add(shown)
            yield self.finding(
                target,
                f"Set-Cookie {shown} from {one_line(response.url, 120)} lacks {', '.join(missing)}",
                location=f"{target.location} cookie {shown}",
                detail={"cookie": shown, "missing": missing},
            )
