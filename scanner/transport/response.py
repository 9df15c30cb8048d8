"""What one HTTP request returned (:class:`HttpResponse`) and the default cap on its body: what
the check API needs of HTTP, apart from the client (:mod:`scanner.transport.http`), so that
importing the checks does not import requests and urllib3.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.core.evidence import Wire

#: Default cap on a response body, bytes.
BODY_LIMIT = 1 << 20


@dataclass(frozen=True)
class HttpResponse:
    """What one request returned, bounded.

    Attributes:
        url: the URL this response came from (the last hop).
        status: the HTTP status code.
        headers: every header as (name, value) pairs in order, names as sent.
        body: the first bytes of the body, at most the cap.
        truncated: True when the body was longer than the cap (or the deadline cut it).
        redirects: the hops followed before this one, as (url, status).
        refused_redirect: a redirect target the scope guard refused, else empty.
        wire: the exchanges behind it, one per hop, raw (each check's log scrubs them).
    """

    url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    truncated: bool
    redirects: tuple[tuple[str, int], ...] = ()
    refused_redirect: str = ""
    wire: tuple[Wire, ...] = field(default=(), compare=False, repr=False)

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        lower = name.lower()
        return next((v for k, v in self.headers if k.lower() == lower), None)

    def header_all(self, name: str) -> list[str]:
        """Every value of header ``name`` (e.g. each Set-Cookie)."""
        lower = name.lower()
        return [v for k, v in self.headers if k.lower() == lower]

    @property
    def text(self) -> str:
        """The body decoded as UTF-8, undecodable bytes replaced."""
        return self.body.decode("utf-8", "replace")
