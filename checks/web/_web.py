"""Helpers shared by the web checks: the page, extra paths and a soft-404 baseline, all fetched
through ``ctx.http_get`` (so once per run per URL, however many checks read them), and small
readers of HTML and headers. Nothing here prints what a target sent without ``one_line``.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Callable, Iterator
from urllib.parse import urljoin, urlsplit

from scanner.api import CheckContext, HttpResponse, Inconclusive, UrlTarget, one_line

#: Cap on the body of an extra path (exposed files, listings, login pages): enough to recognise
#: them, cheap when a path answers with a large file.
PROBE_BYTES = 65536

TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
TAGS = re.compile(r"<[^>]*>")


def page(ctx: CheckContext, target: UrlTarget) -> HttpResponse:
    """The target's page (redirects followed in scope), shared by every check of the run."""
    return ctx.http_get(target.url)


def answered_page(ctx: CheckContext, target: UrlTarget) -> HttpResponse:
    """The page, or Inconclusive when the server failed (5xx: the headers may be a proxy's)."""
    response = page(ctx, target)
    if response.status >= 500:
        raise Inconclusive(f"{one_line(response.url)} answered {response.status}")
    return response


def probe_urls(url: str, path: str) -> list[str]:
    """Where ``path`` (``/.git/HEAD``) is looked for: at the site root, and also under the
    target URL's directory when the site is declared below the root (``/portal/.git/HEAD``)."""
    root = urljoin(url, path)
    parts = urlsplit(url)
    directory = parts.path[: parts.path.rfind("/") + 1] or "/"
    if directory == "/":
        return [root]
    return [root, urljoin(url, directory + path.lstrip("/"))]


def probes(
    ctx: CheckContext, target: UrlTarget, paths: tuple[str, ...]
) -> Iterator[tuple[str, HttpResponse]]:
    """(url, response) for each path under the target, fetched once per run each."""
    seen: set[str] = set()
    for path in paths:
        for url in probe_urls(target.url, path):
            if url not in seen:
                seen.add(url)
                yield url, ctx.http_get(url, max_bytes=PROBE_BYTES)


def baseline_url(url: str, token: str) -> str:
    """A path that should not exist next to ``url``, with the same ending (``.zip``, ``/``), so
    a server that answers every ``*.zip`` or every directory alike is seen doing so."""
    path = urlsplit(url).path or "/"
    if path.endswith("/"):
        parent = path.rstrip("/")
        parent = parent[: parent.rfind("/") + 1] or "/"
        return urljoin(url, f"{parent}ci-scanner-{token}/")
    name = path[path.rfind("/") + 1 :]
    dot = name.rfind(".")
    ext = name[dot:] if dot > 0 and re.fullmatch(r"\.[A-Za-z0-9]{1,8}", name[dot:]) else ""
    return urljoin(url, f"{path[: path.rfind('/') + 1]}ci-scanner-{token}{ext}")


def soft_match(
    ctx: CheckContext, url: str, response: HttpResponse, matches: Callable[[HttpResponse], bool]
) -> bool:
    """True when a random sibling of ``url`` answers the same status and also ``matches``: the
    server says the same thing about every path (a soft 404), so this hit proves nothing.

    The random name is drawn once per run, so every check shares the baseline fetches.
    """
    token = ctx.collect(("web", "soft-404 token"), lambda: secrets.token_hex(8))
    base = ctx.http_get(baseline_url(url, token), max_bytes=PROBE_BYTES)
    return base.status == response.status and matches(base)


def content_type(response: HttpResponse) -> str:
    """The media type, lower case, without parameters ('' when absent)."""
    value = response.header("Content-Type") or ""
    return value.split(";", 1)[0].strip().lower()


def is_html(response: HttpResponse) -> bool:
    """Served as HTML, or sent without a type and starting like HTML."""
    ctype = content_type(response)
    if ctype:
        return "html" in ctype
    head = response.body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def title(response: HttpResponse, limit: int = 80) -> str:
    """The page's <title>, unescaped, on one line, at most ``limit`` characters."""
    match = TITLE.search(response.body[:PROBE_BYTES])
    if match is None:
        return ""
    text = html.unescape(match.group(1).decode("utf-8", "replace"))
    return one_line(" ".join(text.split()), limit)


def text_of(fragment: str) -> str:
    """Visible text of an HTML fragment: tags removed, entities unescaped, spaces collapsed."""
    return " ".join(html.unescape(TAGS.sub(" ", fragment)).split())


def status_line(response: HttpResponse) -> str:
    """``200 (text/html)`` for evidence."""
    ctype = content_type(response)
    return f"{response.status} ({one_line(ctype, 60)})" if ctype else str(response.status)
