"""ASN.1 BER, as much as SNMP needs: encode a tag-length-value, an INTEGER and an OBJECT
IDENTIFIER; read one TLV.

:func:`read` never reads past the buffer it is given: a length of more than four bytes (over
4 GiB) or one pointing past the end is a ValueError, so an absurd length costs nothing.
"""

from __future__ import annotations

INTEGER, OCTET_STRING, NULL, OID, SEQUENCE = 0x02, 0x04, 0x05, 0x06, 0x30
MAX_LENGTH_BYTES = 4


def tlv(tag: int, payload: bytes) -> bytes:
    """One BER tag-length-value."""
    n = len(payload)
    if n < 0x80:
        return bytes([tag, n]) + payload
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + payload


def integer(value: int) -> bytes:
    """A BER INTEGER."""
    return tlv(INTEGER, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def oid(dotted: str) -> bytes:
    """A BER OBJECT IDENTIFIER."""
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray([40 * parts[0] + parts[1]])
    for part in parts[2:]:
        chunk, rest = [part & 0x7F], part >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        out.extend(reversed(chunk))
    return tlv(OID, bytes(out))


def read(data: bytes, pos: int = 0) -> tuple[int, bytes, int]:
    """(tag, value, next position) of the TLV at ``pos``; ValueError when it is not BER."""
    if pos + 2 > len(data):
        raise ValueError("truncated BER")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    length = first
    if first & 0x80:
        size = first & 0x7F
        if not 0 < size <= MAX_LENGTH_BYTES:
            raise ValueError("bad BER length")
        length = int.from_bytes(data[pos : pos + size], "big")
        pos += size
    if pos + length > len(data):
        raise ValueError("truncated BER")
    return tag, data[pos : pos + length], pos + length
