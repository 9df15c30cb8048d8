"""FTP (RFC 959) control-connection replies, shared by the FTP checks.

Reads one whole reply, multi-line aware, capped at 8 KiB; a reply that does not start with three
digits is "not FTP" (code 0), never guessed at.
"""

from __future__ import annotations

import re

from scanner.api import CheckContext, Connection, Inconclusive, NotApplicable, one_line

REPLY = re.compile(rb"\A(\d{3})([ -])")
BANNER_WAIT = 5.0


def read_reply(conn: Connection, wait: float | None = None) -> tuple[int, bytes]:
    """One whole FTP reply, multi-line aware: (code, text); code 0 when it is not FTP."""
    data = b""
    while len(data) < 8192:
        chunk = conn.recv(8192 - len(data), timeout=wait)
        if not chunk:
            break
        data += chunk
        head = REPLY.match(data)
        if head is None:
            if len(data) >= 4 or b"\n" in data:
                return 0, data
            continue
        code, sep = head.groups()
        if sep == b" " and data.endswith(b"\n"):
            return int(code), data
        if sep == b"-" and re.search(rb"\n" + code + rb" [^\n]*\n\Z", data):
            return int(code), data
    if not data:
        raise Inconclusive("the service closed the connection without a reply")
    return (0, data) if REPLY.match(data) is None else (int(data[:3]), data)


def show(data: bytes) -> str:
    """A reply as one short line of evidence, without its CRLFs."""
    return one_line(data.replace(b"\r\n", b"\n").strip(), 120)


def greeting(conn: Connection, ctx: CheckContext) -> bytes:
    """The server's 220 banner; NotApplicable if it is not FTP, Inconclusive if it is silent."""
    try:
        code, banner = read_reply(conn, BANNER_WAIT)
    except TimeoutError:
        ctx.remaining()  # the deadline passing is not silence: let it raise
        raise Inconclusive(f"no FTP banner within {BANNER_WAIT:.0f} s") from None
    if code == 0:
        raise NotApplicable(f"the service does not speak FTP: {show(banner)!r}")
    if code != 220:
        raise Inconclusive(f"the FTP server is not ready: {show(banner)!r}")
    return banner
