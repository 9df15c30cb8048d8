"""Throwaway servers for tests and benchmarks: a PostgreSQL cluster and a redis-server.

Each runs on 127.0.0.1 on a port picked at start, with its files in its own temporary folder
(outside pytest's root-only tmp tree, so the ``postgres`` user can enter it), and is stopped by
its PID. As root, PostgreSQL runs as the ``postgres`` system user (it refuses to run as root),
as ``tests/lab/lab.py`` does. Nothing listens beyond loopback; the cluster has a random password.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

HOST = "127.0.0.1"
STARTUP_SECONDS = 30.0


class ServerError(RuntimeError):
    """A throwaway server could not be started."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(f"{what} exited with {proc.returncode}: {_tail(log)}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise ServerError(f"{what} did not listen on {HOST}:{port} in {STARTUP_SECONDS:g} s")


def _tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-2000:]
    except OSError:
        return "(no log)"


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Stop our own child by its PID: ``sig``, then SIGKILL after 15 s."""
    if proc.poll() is not None:
        return
    os.kill(proc.pid, sig)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


def _postgres_bin() -> Path:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not found:
        raise ServerError("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/postgres)")
    return found[-1].parent


class Postgres:
    """A PostgreSQL cluster of its own: ``url(db)`` names a database, ``create_database`` makes
    one. Use as a context manager, or ``start`` / ``stop``."""

    def __init__(self) -> None:
        self.port = 0
        self.password = secrets.token_hex(16)
        self.base = Path(tempfile.mkdtemp(prefix="scanner-pg-"))
        self._proc: subprocess.Popen[bytes] | None = None
        self._serial = 0

    def _as_user(self) -> tuple[str, ...]:
        if os.geteuid() != 0:
            return ()
        return ("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups")

    def start(self) -> Postgres:
        """initdb, then start the server and wait until it accepts connections."""
        pg_bin = _postgres_bin()
        os.chmod(self.base, 0o755)  # noqa: S103 - postgres must enter it; nothing secret here
        data = self.base / "data"
        pwfile = self.base / "pw"
        pwfile.write_text(self.password + "\n")
        data.mkdir(mode=0o700)
        if os.geteuid() == 0:
            ids = pwd.getpwnam("postgres")
            for path in (data, pwfile):
                os.chown(path, ids.pw_uid, ids.pw_gid)
        os.chmod(pwfile, 0o600)
        subprocess.run(
            [
                *self._as_user(),
                *(str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8"),
                *("--locale=C.UTF-8", "--auth-local=reject", "--auth-host=scram-sha-256"),
                *("--pwfile", str(pwfile), "--no-instructions"),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        pwfile.unlink()
        self.port = free_port()
        self._launch()
        return self

    def _launch(self) -> None:
        pg_bin = _postgres_bin()
        data, log = self.base / "data", self.base / "postgres.log"
        with log.open("ab") as out:
            self._proc = subprocess.Popen(
                [
                    *self._as_user(),
                    *(str(pg_bin / "postgres"), "-D", str(data), "-p", str(self.port)),
                    *("-c", f"listen_addresses={HOST}", "-c", "unix_socket_directories="),
                    *("-c", "ssl=off", "-c", "fsync=off", "-c", "synchronous_commit=off"),
                    *("-c", "full_page_writes=off", "-c", "max_connections=100"),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_port(self.port, self._proc, "postgres", log)
        self._wait_ready()

    def restart(self, down_for: float = 0.0) -> None:
        """Stop the server (fast shutdown: every connection is cut), stay down ``down_for``
        seconds, start it again on the same port with the same data."""
        if self._proc is not None:
            _stop(self._proc, signal.SIGINT)
        time.sleep(down_for)
        self._launch()

    def _wait_ready(self) -> None:
        import psycopg  # noqa: PLC0415 - only the PostgreSQL tests need the driver

        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                psycopg.connect(self.dsn("postgres"), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def dsn(self, database: str) -> str:
        """A libpq connection string for ``database``."""
        return f"postgresql://postgres:{self.password}@{HOST}:{self.port}/{database}"

    def url(self, database: str) -> str:
        """The store URL (SQLAlchemy with psycopg 3) of ``database``."""
        return f"postgresql+psycopg://postgres:{self.password}@{HOST}:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database (named ``name`` or ``t<N>``); returns its store URL."""
        import psycopg  # noqa: PLC0415

        self._serial += 1
        name = name or f"t{self._serial}"
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # name: ours, t<N> or a test's literal
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown, by PID) and delete its files."""
        if self._proc is not None:
            _stop(self._proc, signal.SIGINT)  # SIGINT: PostgreSQL's fast shutdown
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> Postgres:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class Redis:
    """A redis-server of its own on 127.0.0.1, in memory only; ``url`` is its broker URL."""

    def __init__(self, *, persistent: bool = False) -> None:
        self.port = 0
        self.base = Path(tempfile.mkdtemp(prefix="scanner-redis-"))
        self._proc: subprocess.Popen[bytes] | None = None
        self.persistent = persistent  # an append-only file, as a production broker keeps

    @property
    def url(self) -> str:
        """The broker URL."""
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> Redis:
        """Start the server and wait until it listens."""
        self.port = free_port()
        self._launch()
        return self

    def _launch(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        log = self.base / "redis.log"
        aof = ("--appendonly", "yes", "--appendfsync", "always") if self.persistent else ()
        with log.open("ab") as out:
            self._proc = subprocess.Popen(
                [
                    binary,
                    *("--bind", HOST, "--port", str(self.port), "--dir", str(self.base)),
                    *("--save", "", "--appendonly", "no", "--protected-mode", "yes"),
                    *aof,
                    *("--daemonize", "no"),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_port(self.port, self._proc, "redis-server", log)

    def restart(self, down_for: float = 0.0) -> None:
        """Stop the server by PID (what is not persisted is lost), stay down ``down_for``
        seconds, start it again on the same port and folder."""
        if self._proc is not None:
            _stop(self._proc)
        time.sleep(down_for)
        self._launch()

    def stop(self) -> None:
        """Stop the server by PID and delete its files."""
        if self._proc is not None:
            _stop(self._proc)
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> Redis:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


@contextmanager
def postgres_or_skip() -> Iterator[Postgres]:
    """A started Postgres; skips (fails under CI) when it cannot start here."""
    server = Postgres()
    try:
        server.start()
    except (ServerError, OSError, subprocess.SubprocessError) as exc:
        server.stop()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL could not start: {exc}")
        pytest.skip(f"PostgreSQL could not start: {exc}")
    try:
        yield server
    finally:
        server.stop()
