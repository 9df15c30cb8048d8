"""Host names as the resolver sees them: one spelling per name, so allow and deny cannot be dodged.

A name is matched, cached and resolved in its IDNA/UTS-46 form (the maintained ``idna`` package):
fullwidth and other compatibility characters fold to ASCII (fullwidth "localhost" is ``localhost``),
case folds, ideographic full stops are dots, non-ASCII labels become ``xn--`` labels, and trailing
dots go. A string UTS-46 rejects (spaces, underscores, ``%``, empty labels...) is not a name the
scanner will look up: :class:`BadName` says why.
"""

from __future__ import annotations

import idna


class BadName(ValueError):
    """A host string that cannot be normalized into a DNS name."""


def normalized(name: str) -> str:
    """The ASCII, lower-case, dotless-at-the-end form of host name ``name``."""
    try:
        ascii_name = idna.encode(name, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise BadName(f"{name!r} is not a valid host name ({exc})") from None
    ascii_name = ascii_name.rstrip(".")
    if not ascii_name or ".." in ascii_name:
        raise BadName(f"{name!r} is not a valid host name (an empty label)")
    return ascii_name


def normalized_pattern(pattern: str) -> str:
    """A scope name entry (``host`` or ``*.domain``) in the form :func:`normalized` gives names."""
    if pattern.startswith("*."):
        return "*." + _lenient(pattern[2:])
    return _lenient(pattern)


def _lenient(name: str) -> str:
    # Entries come from the validated inventory; one that does not normalize can only ever match
    # itself, so it is kept lower-cased rather than rejected here.
    try:
        return normalized(name)
    except BadName:
        return name.lower().rstrip(".")
