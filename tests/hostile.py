"""A hostile TCP service on loopback: silent, garbage, endless, slow drip, control characters.

Used to prove that a check against a hostile target ends within its deadline with bounded memory
and an honest attempt (error or pass, never a crash). Binds 127.0.0.1 on an ephemeral port; every
loop is bounded by a stop event and by a byte budget.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator

MODES = ("silent", "garbage", "endless", "drip", "controls", "close")
ENDLESS_BUDGET = 64 << 20  # never send more than 64 MiB per connection, even "endless"


def _serve(conn: socket.socket, mode: str, stop: threading.Event) -> None:
    conn.settimeout(0.5)
    sent = 0
    with contextlib.suppress(OSError), conn:
        if mode == "silent":
            stop.wait(30)
        elif mode == "garbage":
            conn.sendall(os.urandom(4096))
            stop.wait(30)
        elif mode == "endless":
            chunk = b"A" * 65536
            while not stop.is_set() and sent < ENDLESS_BUDGET:
                conn.sendall(chunk)
                sent += len(chunk)
        elif mode == "drip":
            for _ in range(60):
                if stop.is_set():
                    break
                conn.sendall(b"x")
                time.sleep(1)
        elif mode == "controls":
            conn.sendall(b"\x1b[2J\x1b]0;pwned\x07+PONG\r\n\x1b[31mred\x00\r\n" * 4)
            stop.wait(30)
        elif mode == "close":
            pass


@contextlib.contextmanager
def serve(
    handler: Callable[[socket.socket, threading.Event], None],
    address: str = "127.0.0.1",
    port: int = 0,
) -> Iterator[tuple[str, int]]:
    """Accept connections on ``address:port`` (port 0: any) and give each to ``handler`` on a
    thread of its own; yields (address, port); stops on exit."""
    stop = threading.Event()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, port))
    listener.listen(16)
    listener.settimeout(0.2)

    def accept_loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=handler, args=(conn, stop), daemon=True).start()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield address, listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        listener.close()


@contextlib.contextmanager
def hostile_server(mode: str) -> Iterator[tuple[str, int]]:
    """Serve ``mode`` on 127.0.0.1; yields (address, port); stops on exit."""
    assert mode in MODES
    with serve(lambda conn, stop: _serve(conn, mode, stop)) as where:
        yield where
