"""Telnet (RFC 854) as a dumb client, enough to answer a ``login:`` prompt.

Every option the server asks for is refused (``DO`` answered ``WONT``, ``WILL`` answered
``DONT``) and its subnegotiations skipped; what remains is the text the server shows. Reads are
capped (at most :data:`MAX_TEXT` bytes of text are kept per wait) and each wait ends at a
marker, the connection closing, or a few seconds of silence.
"""

from __future__ import annotations

import re
import time

from scanner.api import Connection

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
MAX_TEXT = 16384
WAIT = 5.0
LOGIN_PROMPT = re.compile(rb"(login|username|user name)\s*:\s*$", re.IGNORECASE)
PASSWORD_PROMPT = re.compile(rb"password\s*:\s*$", re.IGNORECASE)
REFUSED = re.compile(rb"login incorrect|incorrect login|authentication fail|access denied", re.I)


class TelnetText:
    """The text side of one telnet connection: options refused as they come."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.closed = False
        self._pending = b""  # an IAC sequence cut by a read

    def _feed(self, data: bytes) -> bytes:
        """The text of ``data``, the server's option requests answered."""
        data = self._pending + data
        self._pending = b""
        text, answers, i = bytearray(), bytearray(), 0
        while i < len(data):
            byte = data[i]
            if byte != IAC:
                text.append(byte)
                i += 1
                continue
            if i + 1 >= len(data):
                self._pending = data[i:]
                break
            command = data[i + 1]
            if command in (DO, DONT, WILL, WONT):
                if i + 2 >= len(data):
                    self._pending = data[i:]
                    break
                option = data[i + 2]
                if command == DO:
                    answers += bytes([IAC, WONT, option])
                elif command == WILL:
                    answers += bytes([IAC, DONT, option])
                i += 3
            elif command == SB:
                end = data.find(bytes([IAC, SE]), i + 2)
                if end < 0:
                    self._pending = data[i:] if len(data) - i < 1024 else b""
                    break
                i = end + 2
            elif command == IAC:
                text.append(IAC)
                i += 2
            else:
                i += 2
        if answers:
            self.conn.send(bytes(answers))
        return bytes(text)

    def read_until(self, *markers: re.Pattern[bytes], wait: float = WAIT) -> bytes:
        """Text until one of ``markers`` matches its end, the server closes, or ``wait``
        seconds pass without a match (never past the connection's deadline)."""
        text = b""
        until = min(time.monotonic() + wait, self.conn.deadline)
        while not self.closed and len(text) < MAX_TEXT:
            left = until - time.monotonic()
            if left <= 0:
                break
            try:
                chunk = self.conn.recv(4096, timeout=left)
            except TimeoutError:
                break
            except ConnectionError:
                self.closed = True
                break
            if not chunk:
                self.closed = True
                break
            text += self._feed(chunk)
            tail = text.rstrip(b"\x00")
            if any(m.search(tail) or m.search(tail[-200:]) for m in markers):
                break
        return text

    def send_line(self, line: str) -> None:
        """``line`` and CR LF (RFC 854's end of line)."""
        self.conn.send(line.encode().replace(bytes([IAC]), bytes([IAC, IAC])) + b"\r\n")
