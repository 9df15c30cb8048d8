"""Git repository exposed on the web site.

A published ``.git`` directory lets anyone download the site's whole source history, often with
credentials, internal host names and deleted secrets (tools such as git-dumper rebuild it file by
file). The check requests ``/.git/HEAD`` (at the site root, and under the URL's directory when
the site is declared below the root) and reports an answer whose content is a Git HEAD
(``ref: refs/...`` or a commit id). The content is the proof: a page that merely answers 200 is
not reported, and a server that answers every path alike (compared with a random path) neither.

Sample evidence::

    https://portal.example/.git/HEAD answered 200: ref: refs/heads/main
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.web._web import probes, soft_match
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

HEAD = re.compile(rb"\A\s*(ref: refs/\S{1,200}|[0-9a-f]{40}|[0-9a-f]{64})\s*\Z")


def is_head(response: HttpResponse) -> bool:
    return response.status == 200 and HEAD.match(response.body[:4096]) is not None


class GitExposed(Check):
    id = "web.git-exposed"
    title = "Git repository (.git) downloadable from the web site"
    family = "web"
    severity = Severity.HIGH
    applies_to = AppliesTo(kinds=(AssetKind.URL,))
    references = ("CWE-527", "CWE-538", "MLPS-8.1.4.4")
    remediation = (
        "Remove the .git directory from the web root (deploy build artifacts, not a working "
        "copy), deny every path starting with /. on the server (nginx: location ~ /\\. { deny "
        "all; }), and rotate any credential the repository ever held."
    )

    def run(self, target: UrlTarget, ctx: CheckContext) -> Iterator[Finding]:
        for url, response in probes(ctx, target, ("/.git/HEAD",)):
            if not is_head(response) or soft_match(ctx, url, response, is_head):
                continue
            head = one_line(response.body.strip(), 120)
            yield self.finding(target, f"{one_line(url, 120)} answered 200: {head}", location=url)
