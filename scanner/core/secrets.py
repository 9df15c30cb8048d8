"""Passwords kept out of everything the program prints or logs: store and broker URLs.

:func:`hide_password` is the one way a URL is shown (errors, notes, logs): the password of its
user part and the values of password-like query parameters become ``***``, the way SQLAlchemy's
``render_as_string(hide_password=True)`` shows them (SQLAlchemy itself may not be imported
outside the store). :func:`redact` removes the same secrets from any other text about that URL,
such as a driver's error message, which may quote the URL back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
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


# --- Secrets in what a target sent or was sent: the raw exchanges kept as evidence ---------

#: Names of variables, fields and parameters whose value is a secret (``DB_PASSWORD=``,
#: ``"api_token": ``, ``?secret=``); matched case-insensitively anywhere in the name.
SECRET_NAME = (
    rb"[A-Za-z0-9_.\-]*(?:pass(?:wd|word)?|pwd|secret|token|api[_\-]?key|app[_\-]?key"
    rb"|private[_\-]?key|auth[_\-]?key|session[_\-]?id|sessid)[A-Za-z0-9_.\-]*"
)
_BYTES_MASK = MASK.encode()
#: Each pattern and the groups of it that are secret (replaced by ``***``).
_PATTERNS: tuple[tuple[re.Pattern[bytes], tuple[int, ...]], ...] = (
    # PEM private keys, whole (a key file read by a command)
    (
        re.compile(
            rb"(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)(.*?)(-----END [A-Z0-9 ]*PRIVATE KEY-----"
            rb"|\Z)",
            re.S,
        ),
        (2,),
    ),
    # HTTP credentials and session cookies: the header's value (a cookie's attributes stay)
    (re.compile(rb"(?im)^((?:proxy-)?authorization:[ \t]*)([^\r\n]*)"), (2,)),
    (re.compile(rb"(?im)^(cookie:[ \t]*)([^\r\n]*)"), (2,)),
    (re.compile(rb"(?im)^(set-cookie:[ \t]*[^=\r\n;]*=)([^;\r\n]*)"), (2,)),
    (re.compile(rb"(?im)^(x-(?:api-key|auth-token|csrf-token)[ \t]*:[ \t]*)([^\r\n]*)"), (2,)),
    # NAME=value, NAME: value, "NAME": "value" in configuration files, forms and JSON; the name
    # whole (not the end of a path: "/etc/passwd: ..." names a file), and not sudoers' tags or
    # nsswitch's database ("NOPASSWD: ALL", "passwd: files" are settings, not secrets)
    (
        re.compile(
            rb"(?i)(?<![A-Za-z0-9_.\-/])(?!(?:no)?passwd[ \t]*:)([\"']?"
            + SECRET_NAME
            + rb"[\"']?[ \t]*[:=][ \t]*[\"']?)([^\"'\s&;,<>]+)"
        ),
        (2,),
    ),
    # shadow(5) hashes: user:$id$salt$hash:lastchg: (and DES-style 13-character hashes)
    (
        re.compile(rb"(?m)^([^:\s]{1,64}:)(\$[0-9a-z]+\$[^:\s]+|[./0-9A-Za-z]{13})(?=:\d*:)"),
        (2,),
    ),
    # line protocols: FTP/POP3 PASS, IMAP LOGIN user pass, SMTP AUTH PLAIN blob
    (re.compile(rb"(?im)^(PASS[ \t]+)([^\r\n]*)"), (2,)),
    (re.compile(rb"(?m)^([A-Za-z0-9]{1,12} LOGIN \S+ )([^\r\n]*)"), (2,)),
    (re.compile(rb"(?im)^(AUTH[ \t]+(?:PLAIN|LOGIN)[ \t]+)([^\r\n]*)"), (2,)),
    # Redis RESP: AUTH [user] password as bulk strings
    (
        re.compile(rb"(?i)(\$4\r\nAUTH\r\n\$\d+\r\n)([^\r\n]*)(?:(\r\n\$\d+\r\n)([^\r\n]*))?"),
        (2, 4),
    ),
)


def _masked(match: re.Match[bytes], groups: tuple[int, ...]) -> bytes:
    """The match with ``groups`` (those that took part and are not empty) as ``***``."""
    whole, base, out, at = match.group(0), match.start(0), b"", 0
    for group in groups:
        if match.group(group):
            start, end = match.start(group) - base, match.end(group) - base
            out += whole[at:start] + _BYTES_MASK
            at = end
    return out + whole[at:]


def scrub(data: bytes, known: Iterable[str] = ()) -> bytes:
    """``data`` (bytes a target sent or was sent) with secrets replaced by ``***``.

    ``known``: secrets the run holds (a credential's password, a password a check tries),
    replaced wherever they occur, as written and percent-decoded; shorter than four characters
    they are left to the patterns (replacing them would mangle every word). Then the patterns
    of secrets anywhere: private keys, HTTP credentials and session cookies, ``NAME=value``
    where the name says password, secret, token or key, shadow hashes, and the password
    arguments of FTP, IMAP, SMTP and Redis logins.
    """
    plain = {s for k in known for s in (k, unquote(k)) if len(s) >= _SHORT}
    for secret in sorted(plain, key=len, reverse=True):
        data = data.replace(secret.encode(), _BYTES_MASK)
    for pattern, groups in _PATTERNS:
        data = pattern.sub(lambda m, g=groups: _masked(m, g), data)  # type: ignore[misc]
    return data


def scrub_text(text: str, known: Iterable[str] = ()) -> str:
    """:func:`scrub` for text (evidence, details): the same secrets replaced."""
    raw = text.encode("utf-8", "surrogatepass")
    cleaned = scrub(raw, known)
    return text if cleaned == raw else cleaned.decode("utf-8", "replace")
