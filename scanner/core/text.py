"""Make anything a target sent safe to store, print and render: bounded, no control characters.

Everything a target sends is untrusted. Evidence, banners and titles pass through :func:`clean`
before they reach a finding, the store, the terminal or a template; a finding's location passes
through :func:`inert` (the same escapes, never cut, because it is part of the fingerprint).
"""

from __future__ import annotations

import re

#: Default cap on one piece of evidence, in characters.
EVIDENCE_LIMIT = 2000

# C0 and C1 controls except tab and newline, DEL, the Unicode bidi overrides that can make
# a line read differently from what it contains ("Trojan Source"), and lone surrogates (a check
# that decoded with "surrogateescape" would otherwise make text that cannot be stored).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def clean(data: bytes | str, limit: int = EVIDENCE_LIMIT) -> str:
    """Return ``data`` as text with control characters shown as escapes, cut to ``limit`` chars.

    Bytes are decoded as UTF-8 with undecodable bytes escaped, so a binary banner stays readable
    and nothing is silently dropped. Carriage returns become ``\\r`` so a line cannot overwrite
    itself on a terminal.
    """
    text = data.decode("utf-8", "backslashreplace") if isinstance(data, bytes) else data
    if len(text) > limit * 4:
        text = text[: limit * 4]  # escaping can only grow the text; no need to scan megabytes
    text = inert(text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def inert(text: str) -> str:
    """``text`` with the characters :func:`clean` escapes shown as escapes, and nothing cut.

    For identities whose every character counts (a finding's location is part of its
    fingerprint): text without such characters comes back unchanged, so its fingerprint is too.
    """
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def one_line(data: bytes | str, limit: int = 200) -> str:
    """Like :func:`clean`, for table cells: newlines and tabs become spaces too."""
    return clean(data, limit).replace("\n", " ").replace("\t", " ")
