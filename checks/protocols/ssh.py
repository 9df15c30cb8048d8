"""SSH transport layer (RFC 4253), read by hand: the identification line and the server's first
binary packet, its SSH_MSG_KEXINIT with the algorithm name-lists it offers.

No library client is used here because a client negotiates: this reads what the server *offers*.
At most 20 lines before the banner (8 KiB each) and one packet of at most 256 KiB are read;
every name-list length is checked against the packet before it is used.
"""

from __future__ import annotations

import struct
import time

from scanner.api import Connection, Inconclusive, NotApplicable, one_line

OUR_BANNER = b"SSH-2.0-scanner_probe\r\n"
MAX_PACKET = 256 * 1024
SSH_MSG_KEXINIT = 20
#: The KEXINIT name-lists, in wire order (RFC 4253 section 7.1).
LISTS = (
    "kex",
    "hostkey",
    "cipher_c2s",
    "cipher_s2c",
    "mac_c2s",
    "mac_s2c",
    "compression_c2s",
    "compression_s2c",
    "language_c2s",
    "language_s2c",
)


def parse_kexinit(payload: bytes) -> dict[str, list[str]]:
    """The ten name-lists of an SSH_MSG_KEXINIT payload; ValueError when it is not one."""
    if not payload or payload[0] != SSH_MSG_KEXINIT:
        raise ValueError("not an SSH_MSG_KEXINIT packet")
    offset = 1 + 16  # message number, cookie
    lists: dict[str, list[str]] = {}
    for name in LISTS:
        if offset + 4 > len(payload):
            raise ValueError("KEXINIT truncated")
        (length,) = struct.unpack_from(">I", payload, offset)
        offset += 4
        if offset + length > len(payload):
            raise ValueError("KEXINIT name-list overruns the packet")
        text = payload[offset : offset + length].decode("ascii", "replace")
        lists[name] = [n for n in text.split(",") if n]
        offset += length
    return lists


def conn_budget(conn: Connection) -> float:
    """Seconds left before the connection's deadline (at least a little)."""
    return max(0.1, conn.deadline - time.monotonic())


def read_kexinit(conn: Connection) -> tuple[str, bytes]:
    """Send our identification, then read the server's banner line and first binary packet."""
    conn.send(OUR_BANNER)
    buf = b""
    banner = b""
    first = b""
    try:
        for _ in range(20):  # RFC 4253 allows lines before the banner; never loop unbounded
            while b"\n" not in buf and len(buf) < 8192:
                chunk = conn.recv(4096, timeout=min(10.0, conn_budget(conn)))
                if not chunk:
                    break
                buf += chunk
            line, sep, buf = buf.partition(b"\n")
            if line.startswith(b"SSH-"):
                banner = line.rstrip(b"\r")
                break
            first = first or line.rstrip(b"\r")
            if not sep:
                break
    except TimeoutError as exc:
        if not first:
            raise Inconclusive("the port accepted a connection but sent no SSH banner") from exc
    if not banner:
        raise NotApplicable(f"the service does not speak SSH: {one_line(first, 120)!r}")
    return banner.decode("ascii", "replace"), read_packet(conn, buf)


def read_packet(conn: Connection, buf: bytes) -> bytes:
    """The payload of the server's first binary packet (``buf``: what was read past the banner)."""
    while len(buf) < 5:
        chunk = conn.recv(4096)
        if not chunk:
            raise Inconclusive("the server closed the connection before its KEXINIT")
        buf += chunk
    (length,) = struct.unpack_from(">I", buf)
    if not 1 < length <= MAX_PACKET:
        raise NotApplicable(f"implausible SSH packet length {length} after the banner")
    while len(buf) < 4 + length:
        chunk = conn.recv(min(65536, 4 + length - len(buf)))
        if not chunk:
            raise Inconclusive("the server closed the connection inside its KEXINIT")
        buf += chunk
    padding = buf[4]
    return buf[5 : 4 + length - padding]
