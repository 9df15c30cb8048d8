"""FTP protocol helpers shared by the FTP checks: read one whole (multi-line) reply, show it."""

from __future__ import annotations

import re

from scanner.api import Connection, Inconclusive, one_line

REPLY = re.compile(rb"\A(\d{3})([ -])")


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
