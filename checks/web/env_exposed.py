"""Environment file (.env) exposed on the web site.

Frameworks such as Laravel, Symfony and Node projects keep their secrets in a ``.env`` file:
database passwords, API keys, the application's signing key. Served from the web root, it hands
them to anyone. The check requests ``/.env``, ``/.env.local`` and ``/.env.production`` (at the
site root, and under the URL's directory when the site is declared below the root) and reports
an answer that is not an HTML page (whatever its Content-Type says) and holds at least two
``KEY=VALUE`` lines. The evidence names the keys only: the values are never recorded. A server
that answers every path alike (compared with a random path) is not reported.

Sample evidence::

    https://portal.example/.env answered 200 with 2 KEY=VALUE lines: APP_KEY, DB_PASSWORD
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

PATHS = ("/.env", "/.env.local", "/.env.production")
ASSIGNMENT = re.compile(rb"^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.]{0,63})[ \t]*=", re.M)
SHOWN = 8


def keys(response: HttpResponse) -> list[str]:
    """The variable names of an env file, or [] when the answer is not one."""
    body = response.body.lstrip()[:14].lower()
    if response.status != 200 or body.startswith((b"<!doctype html", b"<html")):
        return []  # not there, or a page (an error page, a soft 404): whatever its type says
    names = [m.decode("ascii") for m in ASSIGNMENT.findall(response.body)]
    return names if len(names) >= 2 else []


class EnvExposed(Check):
    id = "web.env-exposed"
    title = "Environment file (.env) with secrets downloadable from the web site"
    family = "web"
    severity = Severity.HIGH
    applies_to = AppliesTo(kinds=(AssetKind.URL,))
    references = ("CWE-538", "CWE-200", "MLPS-8.1.4.8")
    remediation = (
        "Keep .env files outside the web root (point the server's root at the public/ folder), "
        "deny paths starting with /. (nginx: location ~ /\\. { deny all; }), and rotate every "
        "secret the file held."
    )

    def run(self, target: UrlTarget, ctx: CheckContext) -> Iterator[Finding]:
        for url, response in probes(ctx, target, PATHS):
            names = keys(response)
            if not names or soft_match(ctx, url, response, lambda r: bool(keys(r))):
                continue
            listed = ", ".join(dict.fromkeys(names[:SHOWN]))
            more = ", ..." if len(names) > SHOWN else ""
            yield self.finding(
                target,
                f"{one_line(url, 120)} answered 200 with {len(names)} KEY=VALUE lines: "
                f"{listed}{more}",
                location=url,
                detail={"keys": list(dict.fromkeys(names))[:50]},
            )
