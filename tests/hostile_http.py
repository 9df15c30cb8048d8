"""A hostile HTTP server on loopback, for proving that the web checks stay bounded and clean.

Modes (every path and method answers the same way, except where said):

- ``huge``: claims a 10 GB body and sends ``<html>`` then ``A``s until 64 MiB have gone.
- ``gzip-bomb``: ``Content-Encoding: gzip`` of 1 GiB of zeros, about 1 MB on the wire.
- ``drip-body``: prompt headers, then one body byte every 0.1 s for up to a minute.
- ``drip-headers``: a status line, then one header byte every 0.1 s, never ending the headers.
- ``redirect-loop``: ``/loop-a`` and ``/loop-b`` redirect to each other; every path enters it.
- ``redirect-chain``: ``/chain/N`` redirects to ``/chain/N+1``, forever new URLs.
- ``bad-gzip``: ``Content-Encoding: gzip`` over bytes that are not gzip.
- ``short-body``: announces 100000 bytes, sends 100, closes.
- ``stall-body``: prompt headers, then silence (the connection stays open up to a minute).
- ``controls``: terminal escapes, NUL/BEL and ``<script>`` in headers (Server, X-Powered-By,
  Set-Cookie names), in the title and in what the exposure checks read (``/.git/HEAD``,
  ``/.env``, ``/backup.sql``, a login form, an ``Index of /`` listing, a default-page title), and
  a TRACE echo: a page built to make every web check report, with hostile text in its evidence.

Binds 127.0.0.1 on an ephemeral port; every loop is bounded by a stop event and a byte budget.

:func:`site_server` is the opposite: a tiny well-behaved site answering what a test says, for
the cases the lab's nginx cannot show (TRACE echoed, soft 404s, 401 prompts).
"""

from __future__ import annotations

import contextlib
import http.server
import re
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence

MODES = (
    "huge",
    "gzip-bomb",
    "drip-body",
    "drip-headers",
    "redirect-loop",
    "redirect-chain",
    "controls",
    "bad-gzip",
    "short-body",
    "stall-body",
)
SEND_BUDGET = 64 << 20  # never send more than 64 MiB per connection
DRIP_SECONDS = 60.0
BOMB_SIZE = 1 << 30  # decompressed size of the gzip bomb

_bomb: bytes | None = None
_bomb_lock = threading.Lock()


def gzip_bomb() -> bytes:
    """A gzip member holding 1 GiB of zeros (about 1 MB), built once per process in ~0.5 s.

    Deflate output after a full flush depends only on the input, so one compressed MiB of zeros
    is repeated 1024 times instead of compressing a gigabyte.
    """
    global _bomb  # noqa: PLW0603 - a per-process cache of an expensive constant
    with _bomb_lock:
        if _bomb is None:
            zeros = bytes(1 << 20)
            comp = zlib.compressobj(9, zlib.DEFLATED, -15)
            block = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
            tail = comp.flush()
            crc = 0
            for _ in range(BOMB_SIZE // len(zeros)):
                crc = zlib.crc32(zeros, crc)
            header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
            trailer = struct.pack("<II", crc, BOMB_SIZE & 0xFFFFFFFF)
            _bomb = header + block * (BOMB_SIZE // len(zeros)) + tail + trailer
        return _bomb


ESC = "\x1b[2J\x1b]0;pwned\x07"
SCRIPT = "<script>alert(1)</script>"
CONTROL_HEADERS = (
    ("Server", f"nginx/1.2.3 {ESC}{SCRIPT}"),
    ("X-Powered-By", f"PHP/5.4.0\x1b[31m{SCRIPT}\x00"),
    ("Set-Cookie", f"sess\x1b[2J{SCRIPT}=abc; Path=/"),
    ("Set-Cookie", "\x07bell=1"),
    ("X-Frame-Options", f"ALLOW-FROM {ESC}"),
    ("Content-Type", "text/html"),
)
CONTROL_PAGE = (
    f"<html><head><title>{ESC}{SCRIPT} Welcome to nginx! Index of /</title></head><body>"
    f'<h1>Welcome to nginx!</h1><h1>Index of /{ESC}</h1><pre><a href="../">../</a>\n'
    f'<a href="x{ESC}">x{SCRIPT}</a></pre>'
    "<p>If you see this page, the nginx web server is successfully installed and working.</p>"
    f'<form method="post"><input name="u{ESC}"><input type="password" name="p"></form>'
    f'<a href="/privacy{ESC}">{SCRIPT}</a></body></html>'
)
CONTROL_FILES = {
    "/.git/HEAD": f"ref: refs/heads/{ESC}{SCRIPT}\n",
    "/.env": f"APP_KEY={ESC}\nDB_PASSWORD={SCRIPT}\nX\x1bY=1\n",
    "/backup.sql": f"-- MySQL dump {ESC}\nCREATE TABLE `{SCRIPT}` (id int);\n",
    "/www.zip": "PK\x03\x04" + ESC + SCRIPT,
}


def _read_request(conn: socket.socket) -> tuple[str, str, bytes]:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    method, path = (parts[0], parts[1]) if len(parts) >= 2 else ("GET", "/")
    return method, path, data


def _head(status: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers), "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def _serve(conn: socket.socket, mode: str, stop: threading.Event) -> None:  # noqa: PLR0912
    conn.settimeout(2.0)
    with contextlib.suppress(OSError), conn:
        method, path, request = _read_request(conn)
        path = path.split("?", 1)[0]
        if mode == "huge":
            conn.sendall(
                _head("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(10 << 30))])
                + b"<html>"
            )
            chunk, sent = b"A" * 65536, 0
            while not stop.is_set() and sent < SEND_BUDGET:
                conn.sendall(chunk)
                sent += len(chunk)
        elif mode == "gzip-bomb":
            bomb = gzip_bomb()
            conn.sendall(
                _head(
                    "200 OK",
                    [
                        ("Content-Type", "text/html"),
                        ("Content-Encoding", "gzip"),
                        ("Content-Length", str(len(bomb))),
                    ],
                )
            )
            for start in range(0, len(bomb), 65536):
                if stop.is_set():
                    break
                conn.sendall(bomb[start : start + 65536])
        elif mode in ("drip-body", "drip-headers"):
            if mode == "drip-body":
                conn.sendall(_head("200 OK", [("Content-Type", "text/html")]) + b"<html>")
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nX-Drip: ")
            end = time.monotonic() + DRIP_SECONDS
            while not stop.is_set() and time.monotonic() < end:
                conn.sendall(b"a")
                stop.wait(0.1)
        elif mode == "redirect-loop":
            target = "/loop-b" if path == "/loop-a" else "/loop-a"
            conn.sendall(_head("302 Found", [("Location", target), ("Content-Length", "0")]))
        elif mode == "redirect-chain":
            match = re.fullmatch(r"/chain/(\d+)", path)
            nxt = int(match.group(1)) + 1 if match else 0
            conn.sendall(
                _head("302 Found", [("Location", f"/chain/{nxt}"), ("Content-Length", "0")])
            )
        elif mode == "bad-gzip":
            body = b"this is not gzip \x00\xff" * 64
            conn.sendall(
                _head(
                    "200 OK",
                    [
                        ("Content-Type", "text/html"),
                        ("Content-Encoding", "gzip"),
                        ("Content-Length", str(len(body))),
                    ],
                )
                + body
            )
        elif mode == "short-body":
            conn.sendall(
                _head("200 OK", [("Content-Type", "text/html"), ("Content-Length", "100000")])
                + b"<html>" * 16
            )
        elif mode == "stall-body":
            conn.sendall(_head("200 OK", [("Content-Type", "text/html")]) + b"<html>")
            stop.wait(DRIP_SECONDS)
        elif mode == "controls":
            if method == "TRACE":
                body = request + f"X-Echo: {ESC}{SCRIPT}\r\n".encode()
                headers = [("Content-Type", "message/http"), ("Server", f"x{ESC}")]
            else:
                body = CONTROL_FILES.get(path, CONTROL_PAGE).encode("utf-8")
                headers = list(CONTROL_HEADERS)
            headers.append(("Content-Length", str(len(body))))
            conn.sendall(_head("200 OK", headers) + body)


@contextlib.contextmanager
def hostile_http_server(mode: str) -> Iterator[str]:
    """Serve ``mode`` on 127.0.0.1; yields the base URL ``http://127.0.0.1:PORT/``."""
    assert mode in MODES
    if mode == "gzip-bomb":
        gzip_bomb()
    stop = threading.Event()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    workers: list[threading.Thread] = []

    def accept_loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            worker = threading.Thread(target=_serve, args=(conn, mode, stop), daemon=True)
            worker.start()
            workers.append(worker)

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        stop.set()
        thread.join(2)
        listener.close()
        for worker in workers:
            worker.join(2)


# --------------------------------------------------------------------------------------------
# A tiny well-behaved site, for the cases the lab's nginx cannot show (TRACE, soft 404s...)
# --------------------------------------------------------------------------------------------

Answer = tuple[int, Sequence[tuple[str, str]], bytes]
Site = Callable[[str, str, str], Answer]


@contextlib.contextmanager
def site_server(site: Site) -> Iterator[str]:
    """Serve ``site(method, path, raw request head)`` -> (status, headers, body) on 127.0.0.1
    for any method; yields the base URL ``http://127.0.0.1:PORT/``."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            raw = f"{self.requestline}\r\n{self.headers}"
            status, headers, body = site(self.command, self.path, raw)
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_HEAD = do_POST = do_TRACE = do_OPTIONS = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    with handler_server(Handler) as base:
        yield base


@contextlib.contextmanager
def handler_server(
    handler: type[http.server.BaseHTTPRequestHandler], address: str = "127.0.0.1"
) -> Iterator[str]:
    """Serve ``handler`` (a whole application) on ``address``, an ephemeral port; yields the
    base URL ``http://ADDRESS:PORT/``; stopped (and its port closed) when the block ends."""
    server = http.server.ThreadingHTTPServer((address, 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://{address}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(2)


def html_page(body: str, status: int = 200, *headers: tuple[str, str]) -> Answer:
    """An HTML answer."""
    return status, [("Content-Type", "text/html"), *headers], body.encode("utf-8")


NOT_FOUND: Answer = (404, [("Content-Type", "text/html")], b"<html>not found</html>")
