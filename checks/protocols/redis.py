"""Redis's RESP protocol, as much as the Redis checks need: commands as arrays of bulk strings,
and one-line replies (``+PONG``, ``-NOAUTH ...``) read to their CRLF, at most 512 bytes.
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
