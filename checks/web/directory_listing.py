"""Directory listing enabled.

An automatic index (nginx ``autoindex``, Apache ``Options Indexes``, IIS directory browsing)
shows every file in a directory, including backups, exports and configuration files nobody meant
to publish. The check looks at the page itself and at a few common directories (``/files/``,
``/uploads/``, ``/upload/``, ``/images/``, ``/static/``, ``/backup/``, ``/download/``,
``/data/``) and reports each that answers 200 with a generated listing ("Index of /...",
"Directory listing for /...", "[To Parent Directory]"). A server that answers every unknown
directory the same way (checked against a random path) is not reported for the common
directories.

Sample evidence::

    https://portal.example/files/ answered 200 with a listing: 'Index of /files/' (3 entries)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.web._web import PROBE_BYTES, page, probes, soft_match, title
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    HttpResponse,
    Severity,
    UrlTarget,
    one_line,
)

PATHS = (
    "/files/",
    "/uploads/",
    "/upload/",
    "/images/",
    "/static/",
    "/backup/",
    "/download/",
    "/data/",
)
LISTING = re.compile(
    rb"<title>\s*(?:Index of /|Directory listing for /|Directory Listing For /)"
    rb"|<h1>\s*Index of /"
    rb"|\[To Parent Directory\]",
    re.IGNORECASE,
)
ENTRY = re.compile(rb"<a\s[^>]*href\s*=\s*(?![\"']?(?:\.\./|\?|/[\"' >]))", re.IGNORECASE)


def is_listing(response: HttpResponse) -> bool:
    return response.status == 200 and LISTING.search(response.body[:PROBE_BYTES]) is not None


class DirectoryListing(Check):
    id = "web.directory-listing"
    title = "Directory listing enabled"
    family = "web"
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.URL,))
    references = ("CWE-548", "MLPS-8.1.4.4")
    remediation = (
        "Turn automatic directory indexes off (nginx: autoindex off; Apache: Options -Indexes; "
        'IIS: directoryBrowse enabled="false") and remove files that should not be published.'
    )

    def run(self, target: UrlTarget, ctx: CheckContext) -> Iterator[Finding]:
        found: set[str] = set()
        first = page(ctx, target)
        if is_listing(first):
            found.add(first.url)
            yield self._finding(target, target.url, first)
        for url, response in probes(ctx, target, PATHS):
            if not is_listing(response) or response.url in found:
                continue
            if soft_match(ctx, url, response, is_listing):
                continue
            found.add(response.url)
            yield self._finding(target, url, response)

    def _finding(self, target: UrlTarget, url: str, response: HttpResponse) -> Finding:
        entries = len(ENTRY.findall(response.body[:PROBE_BYTES]))
        name = title(response) or "untitled"
        return self.finding(
            target,
            f"{one_line(url, 120)} answered 200 with a listing: '{name}' "
            f"({entries}{'+' if response.truncated else ''} entries)",
            location=url,
        )
