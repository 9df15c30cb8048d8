"""checks.protocols.mongodb: the isMaster exchange with replies built from the wire protocol's
spec (OP_REPLY and OP_MSG), and hostile ones."""

from __future__ import annotations

import struct

import pytest

from checks.protocols import bson, mongodb
from scanner.api import Inconclusive, NotApplicable
from tests.checks.protocols.peer import answering

RID = 0x5C4E


def op_msg(doc: bytes, response_to: int = RID, length: int | None = None) -> bytes:
    body = struct.pack("<I", 0) + b"\x00" + doc
    size = 16 + len(body) if length is None else length
    return struct.pack("<iiii", size, 99, response_to, mongodb.OP_MSG) + body


def op_reply(doc: bytes) -> bytes:
    body = struct.pack("<iqii", 8, 0, 0, 1) + doc
    return struct.pack("<iiii", 16 + len(body), 99, RID, mongodb.OP_REPLY) + body


def test_is_master_query_follows_the_spec() -> None:
    query = mongodb.is_master_query(RID)
    length, rid, response_to, opcode = struct.unpack_from("<iiii", query)
    assert (length, rid, response_to, opcode) == (len(query), RID, 0, mongodb.OP_QUERY)
    assert b"admin.$cmd\x00" in query and query.endswith(bson.int32_doc("isMaster"))


@pytest.mark.parametrize("frame", [op_msg, op_reply])
def test_both_reply_opcodes(frame: object) -> None:
    doc = bson.int32_doc("maxWireVersion", 21)
    with answering(frame(doc)) as peer:  # type: ignore[operator]
        assert mongodb.is_master(peer.conn, RID) == {"maxWireVersion": 21}
        assert peer.sent() == mongodb.is_master_query(RID)


@pytest.mark.parametrize(
    "data",
    [
        op_msg(bson.int32_doc("ok"), response_to=1),  # not our request
        op_msg(bson.int32_doc("ok"), length=1 << 30),  # absurd length
        op_msg(bson.int32_doc("ok"), length=16),  # no body at all
        b"HTTP/1.0 400 Bad Request\r\n",
        b"\x01\x02\x03",
    ],
)
def test_hostile_replies_are_not_mongodb(data: bytes) -> None:
    with answering(data) as peer, pytest.raises(NotApplicable):
        mongodb.is_master(peer.conn, RID)


def test_an_unreadable_document_is_inconclusive() -> None:
    with answering(op_msg(b"\xff" * 40)) as peer, pytest.raises(Inconclusive):
        mongodb.is_master(peer.conn, RID)
