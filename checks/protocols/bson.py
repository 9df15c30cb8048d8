"""BSON, as much as a MongoDB handshake needs: one tiny command document, and the top-level
scalar fields of an answer.

The parser reads only what lies inside the buffer it is given: every length is checked against
the bytes left before it is used, at most 64 fields are kept, and it stops quietly at the first
element it cannot read (an unknown type, a truncated value, an absurd size).
"""

from __future__ import annotations

import struct
from typing import Any

from checks.protocols.wire import cstr

MAX_FIELDS = 64

#: BSON element types of fixed size: (size, struct format or None to skip the value).
FIXED: dict[int, tuple[int, str | None]] = {
    0x01: (8, "<d"),  # double
    0x07: (12, None),  # ObjectId
    0x08: (1, "<?"),  # boolean
    0x09: (8, None),  # UTC datetime
    0x0A: (0, None),  # null
    0x10: (4, "<i"),  # int32
    0x11: (8, None),  # timestamp
    0x12: (8, "<q"),  # int64
}


def int32_doc(key: str, value: int = 1) -> bytes:
    """The document ``{key: value}`` with an int32 value (a command such as ``isMaster: 1``)."""
    element = b"\x10" + key.encode() + b"\x00" + struct.pack("<i", value)
    return struct.pack("<i", 4 + len(element) + 1) + element + b"\x00"


def fields(doc: bytes) -> dict[str, Any]:
    """Top-level scalar fields of a BSON document; stops quietly at anything it cannot read."""
    out: dict[str, Any] = {}
    pos = 4
    while pos < len(doc) and doc[pos] != 0 and len(out) < MAX_FIELDS:
        kind = doc[pos]
        name, pos = cstr(doc, pos + 1)
        if kind in (0x02, 0x03, 0x04):  # string, embedded document, array: length-prefixed
            if pos + 4 > len(doc):
                break
            size = struct.unpack_from("<i", doc, pos)[0]
            if kind == 0x02:  # int32 size (counting the final NUL), then the bytes
                size += 4
                if size < 5 or pos + size > len(doc):
                    break
                out[name] = doc[pos + 4 : pos + size - 1].decode("utf-8", "replace")
            elif size < 5 or pos + size > len(doc):  # the size counts its own four bytes
                break
            pos += size
        elif kind in FIXED and pos + FIXED[kind][0] <= len(doc):
            size, fmt = FIXED[kind]
            if fmt is not None:
                out[name] = struct.unpack_from(fmt, doc, pos)[0]
            pos += size
        else:
            break
    return out
