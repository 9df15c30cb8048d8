"""MongoDB wire protocol: the ``isMaster`` handshake, which servers answer before authentication.

The command goes out as an OP_QUERY on ``admin.$cmd``; the answer may come back as OP_REPLY
(opcode 1) or OP_MSG (2013). It is accepted only when it answers our request id and its length
is plausible, and at most 16 KiB of it is read.
"""

from __future__ import annotations

import struct
from typing import Any

from checks.protocols import bson
from checks.protocols.wire import read_answer, read_exact
from scanner.api import Connection, Inconclusive, NotApplicable, one_line

OP_REPLY, OP_QUERY, OP_MSG = 1, 2004, 2013
MAX_MESSAGE = 1 << 24
MAX_READ = 16384
#: maxWireVersion -> the MongoDB release that introduced it.
WIRE_VERSIONS = {6: "3.6", 7: "4.0", 8: "4.2", 9: "4.4", 13: "5.0", 17: "6.0", 21: "7.0", 25: "8.0"}


def is_master_query(request_id: int) -> bytes:
    """The OP_QUERY message ``{isMaster: 1}`` on ``admin.$cmd``."""
    body = (
        struct.pack("<i", 0)  # flags
        + b"admin.$cmd\x00"
        + struct.pack("<ii", 0, -1)  # skip, return one document
        + bson.int32_doc("isMaster")
    )
    return struct.pack("<iiii", 16 + len(body), request_id, 0, OP_QUERY) + body


def reply_document(opcode: int, body: bytes) -> bytes:
    """The first document of a reply body (after the 16-byte message header)."""
    return body[20:] if opcode == OP_REPLY else body[5:]  # OP_REPLY header / OP_MSG flags + kind


def is_master(conn: Connection, request_id: int) -> dict[str, Any]:
    """Send ``isMaster`` and return the top-level fields of the answer."""
    conn.send(is_master_query(request_id))
    head = read_answer(conn, 16, "isMaster")
    if len(head) < 16:
        raise NotApplicable(f"the service does not answer like MongoDB: {one_line(head)!r}")
    length, _rid, response_to, opcode = struct.unpack("<iiii", head)
    if (
        response_to != request_id
        or opcode not in (OP_REPLY, OP_MSG)
        or not 16 < length <= MAX_MESSAGE
    ):
        raise NotApplicable(f"the service does not answer like MongoDB: {one_line(head)!r}")
    body = read_exact(conn, min(length - 16, MAX_READ))
    found = bson.fields(reply_document(opcode, body))
    if not found:
        raise Inconclusive("MongoDB answered isMaster with an unreadable document")
    return found
