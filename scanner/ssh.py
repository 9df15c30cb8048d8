"""SSH for on-site audits: one verified, authenticated connection per host per run.

Every command of every check runs on a channel of the host's one transport. The host key is
checked against the credential's known_hosts file *before* any credential is sent: an unknown key
is inconclusive (approve it first), a changed key aborts the login. Keys come from a key file,
a password from an environment variable, or the agent when the inventory asks for it; never
from a search of ``~/.ssh``. Output is capped per command and every wait ends at the deadline,
with stdout and stderr drained together so a chatty command cannot deadlock the channel.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import paramiko

from scanner.check import Inconclusive
from scanner.inventory import Credential
from scanner.net import remaining
from scanner.text import one_line

#: Default cap on one command's output (stdout and stderr each).
OUTPUT_LIMIT = 1 << 20


class HostKeyChanged(Exception):
    """The host presented a key other than the one on record: nothing was sent."""

    def __init__(self, host: str, expected: str, presented: str) -> None:
        super().__init__(
            f"{host} presented host key {presented}, not the recorded {expected}; the login was "
            "aborted before any credential was sent"
        )
        self.host, self.expected, self.presented = host, expected, presented


@dataclass(frozen=True)
class CommandResult:
    """What one command printed and returned, bounded.

    Attributes:
        command: the command as run (with ``sudo -n`` when asked for).
        exit_status: its exit status (-1 when the deadline cut it off).
        stdout / stderr: the first bytes of each, at most the cap.
        truncated: True when either was longer than the cap or the deadline cut it.
        seconds: how long it ran.
    """

    command: str
    exit_status: int
    stdout: bytes
    stderr: bytes
    truncated: bool
    seconds: float

    @property
    def text(self) -> str:
        """stdout decoded as UTF-8, undecodable bytes replaced."""
        return self.stdout.decode("utf-8", "replace")


def fingerprint(key: paramiko.PKey) -> str:
    """``ssh-ed25519 SHA256:...``, as OpenSSH prints it."""
    return f"{key.get_name()} {key.fingerprint}"


class SshSession:
    """One host's SSH connection for one run (thread-safe: channels are opened concurrently)."""

    def __init__(
        self,
        sock: socket.socket,
        host: str,
        credential: Credential,
        base_dir: Path,
        deadline: float,
    ) -> None:
        self.host = host
        self._lock = threading.Lock()
        self._transport = paramiko.Transport(sock)
        try:
            self._transport.start_client(timeout=remaining(deadline))
            if not self._transport.is_active() or self._transport.host_key is None:
                raise Inconclusive(f"{host}: the SSH handshake did not complete in time")
            self._verify_host_key(self._transport.get_remote_server_key(), credential, base_dir)
            self._authenticate(credential, base_dir, deadline)
        except BaseException:
            self._transport.close()
            raise

    def _verify_host_key(self, key: paramiko.PKey, credential: Credential, base_dir: Path) -> None:
        if credential.known_hosts is None:
            raise Inconclusive(
                f"{self.host}: no known_hosts for this credential, so the host key "
                f"{fingerprint(key)} cannot be verified; the scanner never accepts a key unseen. "
                "Fix: add known_hosts to the credential."
            )
        path = credential.known_hosts
        known = paramiko.HostKeys(str(path if path.is_absolute() else base_dir / path))
        entries: dict[str, paramiko.PKey] = dict(known.lookup(self.host) or {})
        recorded = entries.get(key.get_name())
        if recorded is None:
            if entries:  # the host is known, under another key type: treat as a change
                other = next(iter(entries.values()))
                raise HostKeyChanged(self.host, fingerprint(other), fingerprint(key))
            raise Inconclusive(
                f"{self.host} is not in {path} (its key is {fingerprint(key)}). Fix: verify the "
                "key with the entity and add it to the known_hosts file."
            )
        if recorded != key:
            raise HostKeyChanged(self.host, fingerprint(recorded), fingerprint(key))

    def _authenticate(self, credential: Credential, base_dir: Path, deadline: float) -> None:
        user = credential.username
        failures = []
        if credential.key_file is not None:
            path = credential.key_file
            key = paramiko.PKey.from_path(path if path.is_absolute() else base_dir / path)
            try:
                self._transport.auth_publickey(user, key)
            except paramiko.AuthenticationException as exc:
                failures.append(f"key {key.get_name()}: {exc}")
        if not self._transport.is_authenticated() and credential.use_agent:
            for key in paramiko.Agent().get_keys():
                try:
                    self._transport.auth_publickey(user, key)
                    break
                except paramiko.AuthenticationException as exc:
                    failures.append(f"agent key {key.get_name()}: {exc}")
        if not self._transport.is_authenticated() and credential.password_env:
            password = os.environ.get(credential.password_env, "")
            try:
                self._transport.auth_password(user, password)
            except paramiko.AuthenticationException as exc:
                failures.append(f"password from ${credential.password_env}: {exc}")
        remaining(deadline)
        if not self._transport.is_authenticated():
            raise PermissionError(
                f"{self.host}: login as {user} failed ({'; '.join(failures) or 'no method'})"
            )

    def run(
        self, command: str, deadline: float, *, sudo: bool = False, limit: int = OUTPUT_LIMIT
    ) -> CommandResult:
        """Run one read-only command on its own channel; output capped, ended by the deadline."""
        full = f"sudo -n -- {command}" if sudo else command
        started = time.monotonic()
        with self._lock:
            channel = self._transport.open_session(timeout=remaining(deadline))
        out, err = bytearray(), bytearray()
        truncated = False
        try:
            channel.settimeout(0.2)
            channel.exec_command(full)
            while True:
                if time.monotonic() >= deadline:
                    truncated = True
                    break
                progressed = _drain(channel, out, err, limit)
                if (
                    channel.exit_status_ready()
                    and not channel.recv_ready()
                    and not channel.recv_stderr_ready()
                ):
                    break
                if not progressed:
                    time.sleep(0.01)
            status = channel.recv_exit_status() if not truncated else -1
        finally:
            channel.close()
        truncated = truncated or len(out) > limit or len(err) > limit
        return CommandResult(
            full,
            status,
            bytes(out[:limit]),
            bytes(err[:limit]),
            truncated,
            time.monotonic() - started,
        )

    def close(self) -> None:
        """Close the transport."""
        self._transport.close()


def _drain(channel: paramiko.Channel, out: bytearray, err: bytearray, limit: int) -> bool:
    """Read what is ready on both streams (discarding past the cap); True if anything came."""
    progressed = False
    while channel.recv_ready():
        chunk = channel.recv(65536)
        progressed = progressed or bool(chunk)
        if len(out) <= limit:
            out += chunk
    while channel.recv_stderr_ready():
        chunk = channel.recv_stderr(65536)
        progressed = progressed or bool(chunk)
        if len(err) <= limit:
            err += chunk
    return progressed


def describe(result: CommandResult) -> str:
    """One line about a command's outcome, for reasons and evidence."""
    return one_line(
        f"`{result.command}` exited {result.exit_status}: "
        f"{result.stderr.decode('utf-8', 'replace')}",
        300,
    )
