"""Host names in URLs: the one place that writes an IPv6 address literal in brackets.

A URL or an HTTP ``Host`` header carries ``host:port``; an IPv6 address has colons of its own, so
RFC 3986 puts it in brackets (``[2001:db8::1]:443``). Checks reach this through ``scanner.api``.
"""

from __future__ import annotations


def url_host(host: str) -> str:
    """``host`` as it appears in a URL's authority: IPv6 literals in brackets, others as is."""
    return f"[{host}]" if ":" in host else host
