"""RDP: an X.224 Connection Request asking for TLS or CredSSP, and the server's Connection
Confirm with its RDP Negotiation Response (or Failure). Nothing beyond it is sent.

The answer is TPKT-framed; only a plausible TPKT length (11 to 512 bytes) is read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from checks.protocols.wire import read_answer
from scanner.api import Connection, NotApplicable, one_line

#: TPKT + X.224 Connection Request + RDP Negotiation Request (TLS | CredSSP).
X224_REQUEST = (
    b"\x03\x00\x00\x13"  # TPKT version 3, length 19
    b"\x0e\xe0\x00\x00\x00\x00\x00"  # X.224: LI 14, CR, dst-ref, src-ref, class 0
    b"\x01\x00\x08\x00\x03\x00\x00\x00"  # RDP_NEG_REQ: PROTOCOL_SSL | PROTOCOL_HYBRID
)
NEG_RESPONSE, NEG_FAILURE = 0x02, 0x03
PROTOCOLS = {
    0: "standard RDP security",
    1: "TLS",
    2: "CredSSP (NLA)",
    3: "CredSSP (NLA)",
    4: "RDSTLS",
    8: "CredSSP with Early User Authorization",
}
FAILURES = {
    1: "TLS required by server",
    2: "TLS not allowed by server",
    3: "no TLS certificate on server",
    4: "inconsistent flags",
    5: "CredSSP required by server",
    6: "TLS with user authentication required",
}


@dataclass(frozen=True)
class Confirm:
    """The server's X.224 Connection Confirm.

    Attributes:
        selected: the security protocol selected (a negotiation response), else None.
        failure: the failure code of a negotiation failure, else None. Both None: no
            negotiation data at all (standard RDP security only).
    """

    selected: int | None = None
    failure: int | None = None


def parse_confirm(tpdu: bytes) -> Confirm:
    """The X.224 TPDU after the TPKT header; NotApplicable when it is not a Connection Confirm."""
    if len(tpdu) < 7 or tpdu[1] & 0xF0 != 0xD0:
        raise NotApplicable(f"no X.224 Connection Confirm: {one_line(tpdu[:16])!r}")
    neg = tpdu[7:]
    if len(neg) >= 8 and neg[0] == NEG_RESPONSE:
        return Confirm(selected=struct.unpack_from("<I", neg, 4)[0])
    if len(neg) >= 8 and neg[0] == NEG_FAILURE:
        return Confirm(failure=struct.unpack_from("<I", neg, 4)[0])
    return Confirm()


def connect(conn: Connection) -> Confirm:
    """Send the Connection Request and read the Confirm."""
    conn.send(X224_REQUEST)
    head = read_answer(conn, 4, "the X.224 Connection Request")
    size = struct.unpack(">H", head[2:4])[0] if len(head) == 4 else 0
    if head[:2] != b"\x03\x00" or not 11 <= size <= 512:
        raise NotApplicable(f"the service does not speak RDP (TPKT): {one_line(head)!r}")
    return parse_confirm(read_answer(conn, size - 4, "the X.224 Connection Request"))
