"""Passwords kept out of everything the program prints or logs: store and broker URLs.

:func:`hide_password` is the one way a URL is shown (errors, notes, logs): the password of its
user part and the values of password-like query parameters become ``***``, the way SQLAlchemy's
``render_as_string(hide_password=True)`` shows them (SQLAlchemy itself may not be imported
outside the store). :func:`redact` removes the same secrets from any other text about that URL,
such as a driver's error message, which may quote the URL back.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

MASK = "***"
#: Shorter secrets are not replaced inside a message (that would mangle every word); a message
#: that contains one is withheld instead.
_SHORT = 4

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
# Query parameters that carry a secret: psycopg's ?password=, Redis' ?password=, tokens.
_SECRET_PARAM = re.compile(
    r"(?P<key>[?&;](?:password|passwd|pwd|pass|secret|token|sslpassword)=)(?P<value>[^&;#]*)",
    re.IGNORECASE,
)


def _user_password(url: str) -> tuple[int, int] | None:
    """Where the password of ``url``'s user part is (start, end), or None.

    The user part ends at the *last* ``@``: a password with an unencoded ``@`` or ``/`` is
    still hidden whole (over-hiding a query that contains ``@`` is the safe mistake).
    """
    scheme = _SCHEME.match(url)
    start = scheme.end() if scheme else 0
    at = url.rfind("@", start)
    if at < 0:
        return None
    colon = url.find(":", start, at)
    if colon < 0:
        # No user:password form. Without a scheme it is not a URL at all: all of it may be the
        # secret (a mistyped --db), so everything before the host is hidden.
        return None if scheme else (start, at)
    return colon + 1, at


def hide_password(url: str) -> str:
    """``url`` with its password (user part and secret query parameters) shown as ``***``."""
    span = _user_password(url)
    if span is not None:
        url = url[: span[0]] + MASK + url[span[1] :]
    return _SECRET_PARAM.sub(lambda m: m["key"] + MASK, url)


def secrets_of(url: str) -> set[str]:
    """The secret strings in ``url``, as written and percent-decoded."""
    found = [m["value"] for m in _SECRET_PARAM.finditer(url)]
    span = _user_password(url)
    if span is not None:
        found.append(url[span[0] : span[1]])
    return {s for raw in found if raw for s in (raw, unquote(raw))}


def redact(text: str, url: str) -> str:
    """``text`` (a message about ``url``) with ``url``'s secrets replaced by ``***``."""
    for secret in sorted(secrets_of(url), key=len, reverse=True):
        if secret not in text:
            continue
        if len(secret) < _SHORT:
            return "(details withheld: they quote the password)"
        text = text.replace(secret, MASK)
    return text
