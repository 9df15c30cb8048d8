"""Redis's RESP protocol, as much as the Redis checks need: commands as arrays of bulk strings,
one-line replies (``+PONG``, ``-NOAUTH ...``) read to their CRLF, at most 512 bytes, and bulk
replies (``INFO``'s) read by their length.
"""

from __future__ import annotations

from scanner.api import Connection, Inconclusive

MAX_LINE = 512


def command(*args: str) -> bytes:
    """A command as a RESP array of bulk strings (``PING``, ``AUTH password``...)."""
    out = b"*" + str(len(args)).encode() + b"\r\n"
    for arg in args:
        raw = arg.encode()
        out += b"$" + str(len(raw)).encode() + b"\r\n" + raw + b"\r\n"
    return out


PING = command("PING")
INFO_SERVER = command("INFO", "server")


def reply_line(conn: Connection) -> bytes:
    """One reply line (CRLF included when it came); Inconclusive when the server closed first."""
    reply = conn.recv_until(b"\r\n", max_bytes=MAX_LINE)
    if not reply:
        raise Inconclusive("the service closed the connection without a reply")
    return reply


def bulk_reply(conn: Connection, max_bytes: int = 16384) -> bytes:
    """The content of a bulk-string reply (``$N`` CRLF, N bytes, CRLF), at most ``max_bytes``
    of it; ``b""`` for any other reply, such as the ``-ERR unknown command`` of a server with
    ``INFO`` renamed away (read by its length, so such a reply does not wait out the deadline)."""
    first = conn.recv_until(b"\r\n", max_bytes=MAX_LINE)
    head, _, data = first.partition(b"\r\n")
    if not (head.startswith(b"$") and head[1:].isdigit()):
        return b""
    want = min(int(head[1:]), max_bytes)
    buf = bytearray(data)
    while len(buf) < want:
        chunk = conn.recv(want - len(buf))
        if not chunk:
            break
        buf += chunk
    return bytes(buf[:want])
