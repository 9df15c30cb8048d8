"""Portal without a reachable privacy policy.

The Personal Information Protection Law (articles 7 and 17) and the Cybersecurity Law (article
41) require a site that collects personal information to publish its handling rules; inspections
of portals and apps check that the front page links to a privacy policy that opens. The check
reads the page (following redirects inside the scope) and looks for a link whose text or target
mentions a privacy policy, in English or Chinese (``privacy``, ``隐私``, ``隱私``,
``个人信息保护``, ``個人資料``). A link on the same host is fetched and must answer below 400; a
link to another host (a group-wide policy) is accepted without being fetched, since it may lie
outside the scope. It reports a page with no such link, or whose privacy links all fail.

Applicability (a choice): a privacy policy is a duty of the sites people use, not of every web
server a port scan finds. The check therefore runs on **declared URL assets** and on web
services of assets **tagged** ``portal``; other discovered web services (an admin UI on port
8080, a device's status page) are not applicable. Declare or tag accordingly. A page that is
not HTML is not applicable; an error page (status 400 or more) is inconclusive. Links created
only by scripts are not seen.

Sample evidence::

    https://portal.example/ has no link to a privacy policy (none mentions privacy or 隐私)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote, urljoin, urlsplit

from checks.web._web import is_html, page, text_of
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

LINK = re.compile(
    r"<a\s[^>]*?href\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))[^>]*>(.*?)</a\s*>",
    re.IGNORECASE | re.DOTALL,
)
WORDS = ("privacy", "隐私", "隱私", "个人信息保护", "個人資料")
TRIED = 3


class PrivacyPolicyMissing(Check):
    id = "web.privacy-policy-missing"
    title = "Portal without a reachable privacy policy"
    family = "web"
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.URL,))
    references = ("PIPL-7", "PIPL-17", "CSL-41", "MLPS-8.1.4.11")
    remediation = (
        "Publish a privacy policy (personal information handling rules: purposes, types of data, "
        "retention, the user's rights, a contact) and link it from every page that collects "
        "personal information, at least from the front page and the registration and login pages."
    )

    def run(self, target: UrlTarget, ctx: CheckContext) -> Iterator[Finding]:
        if target.kind != AssetKind.URL and "portal" not in target.tags:
            raise NotApplicable(
                "a discovered web service of an asset not tagged 'portal' (declare the site as a "
                "URL asset or tag the asset 'portal' to check it)"
            )
        response = page(ctx, target)
        if response.status >= 400:
            raise Inconclusive(f"{one_line(response.url)} answered {response.status}")
        if not is_html(response):
            raise NotApplicable(f"{one_line(response.url)} does not answer with HTML")
        links = []
        for match in LINK.finditer(response.text):
            href = (match.group(1) or match.group(2) or match.group(3) or "").strip()
            said = f"{unquote(href)} {text_of(match.group(4))}".lower()
            if any(word in said for word in WORDS) and not href.lower().startswith(
                ("javascript:", "mailto:", "#")
            ):
                links.append(urljoin(response.url, href))
        links = list(dict.fromkeys(links))
        if not links:
            yield self.finding(
                target,
                f"{one_line(response.url, 120)} has no link to a privacy policy (none mentions "
                "privacy or 隐私)",
            )
            return
        failures = []
        host = urlsplit(response.url).netloc
        for link in links[:TRIED]:
            if urlsplit(link).netloc != host:
                return  # a policy on another host: accepted unfetched (it may be out of scope)
            answer = ctx.http_get(link)
            if answer.status < 400:
                return
            failures.append(f"{one_line(link, 120)} answered {answer.status}")
        yield self.finding(
            target,
            f"{one_line(response.url, 120)} links to a privacy policy that does not open: "
            + "; ".join(failures),
        )
