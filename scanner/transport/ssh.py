"""SSH for on-site audits: one verified, authenticated connection per host per run.

Every command of every check runs on a channel of the host's one transport. The host key is
checked *before* any credential is sent, against the credential's known_hosts file and the keys
pinned in the store (``scanner hostkeys approve``): every record of the presented key's type
must match it. An unknown key is inconclusive (the reason carries its fingerprint and how to
approve it); a key that differs from a record raises :class:`HostKeyChanged` and the login is
aborted. Keys come from a key file, a password from an environment variable, or the agent when
the inventory asks for it; never from a search of ``~/.ssh``. Output is capped per command (the
channel is closed as soon as the cap is passed) and every wait ends at the deadline, with stdout
and stderr drained together so a chatty command cannot deadlock the channel.

paramiko reads the socket itself, trusting the packet lengths the peer announces, so it is handed
a :class:`~scanner.transport.capped.CappedSocket`: what the peer may send is bounded per phase,
and reads end at the phase's deadline. The key exchange (the handshake probe of remote checks
too) and the login may each read :data:`HANDSHAKE_LIMIT` before the check's deadline; while no
command runs, the peer may send :data:`IDLE_LIMIT` (and a channel window for each command cut
off, whose data is still in flight); each running command adds its output caps, a channel window
and :data:`COMMAND_OVERHEAD`. Per phase rather than one cap for the transport's life, because a
session lives for the whole run and serves every check of its host: one total would either cut
off a host with many commands or let a hostile peer announce one packet as large as all of them.
Past the allowance or the deadline the transport is cut off and the attempt is a connectivity
error or a timeout (the reason the socket gives), whatever paramiko made of the end.

paramiko (with cryptography under it) is imported by the functions that speak SSH, not by this
module: the check registry imports it through :mod:`scanner.api`, and ``scanner validate`` and
``scanner --help`` need none of it.
"""

from __future__ import annotations

import logging
import os
import shlex
import socket
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.core.errors import Inconclusive, NotApplicable, TransportError
from scanner.core.evidence import endpoint
from scanner.core.models import Privilege
from scanner.core.text import one_line
from scanner.transport.capped import CappedSocket
from scanner.transport.errors import translated_errors
from scanner.transport.net import Connection, DeadlineExceeded, remaining

if TYPE_CHECKING:
    import paramiko

    from scanner.inventory.schema import Credential  # only its type: api loads no schema

#: Default cap on one command's output (stdout and stderr each).
OUTPUT_LIMIT = 1 << 20
#: The SSH port of on-site hosts.
SSH_PORT = 22
#: Bytes a peer may send during the key exchange (banners, KEXINIT, host key and signature), and
#: again during the login (its banner, the replies): OpenSSH itself refuses packets over 256 KiB.
HANDSHAKE_LIMIT = 1 << 20
#: Bytes a session's peer may send while no command runs (rekeying, keepalives, global requests),
#: plus a channel window for each command cut off since (what it had in flight still arrives).
IDLE_LIMIT = 64 << 10
#: What a command's channel may bring beyond its output: channel messages, the exit status.
COMMAND_OVERHEAD = 64 << 10
#: One read of a channel's stream.
_CHUNK = 65536
#: How long after its reads end paramiko's thread takes to notice (it polls every 0.1 s), so a
#: handshake ended by the socket raises the socket's reason, not a quiet timeout.
_NOTICE = 0.3
#: Reads of one channel per polling round, so a flood cannot keep the loop from its deadline.
_READS_PER_ROUND = 16
#: Host key algorithms that present a key of each type (RSA keys sign with SHA-2 today).
_ALGORITHMS = {"ssh-rsa": ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")}
#: Sessions OpenSSH allows on one connection by default (``MaxSessions 10``): channels are
#: opened freely up to the first refusal, which teaches the session the server's real limit.
DEFAULT_SESSIONS = 10
#: First and longest pause before opening a refused channel again (the server may still be
#: freeing the session of a channel that just closed).
_RETRY_FIRST, _RETRY_MOST = 0.02, 0.5
#: How long a finished command's channel waits for the server's close (the server frees the
#: session slot then), so the next command does not meet a refusal.
_CLOSE_WAIT = 0.5
#: sudo's prompt (``-p``): the password is sent only once sudo shows it on stderr, so a NOPASSWD
#: rule (sudo asks nothing) never lets the password line reach the command's stdin.
SUDO_PROMPT = b"#=scanner-sudo-prompt=#"
#: How far into stderr the prompt is looked for (it comes before anything the command prints).
_PROMPT_WITHIN = 4096
#: What a session runs as root once, before any root command, when root needs a password (to
#: check the password quickly; sudo and su run nothing else for it).
ELEVATION_PROBE = "true"
#: What sudo and su print when they refuse (under ``LC_ALL=C``: the password methods set it).
_SUDO_REJECTED = (b"incorrect password attempt", b"Sorry, try again", b"no password was provided")
_SUDO_REFUSED = (
    b"a password is required",
    b"is not in the sudoers file",
    b"is not allowed to",
    b"must have a tty",  # Defaults requiretty (older RHEL)
)
_SU_REJECTED = (b"Authentication failure", b"Permission denied")


class HostKeyChanged(Exception):
    """The host presented a key other than the one on record: nothing was sent."""

    def __init__(self, host: str, expected: str, presented: str, source: str = "") -> None:
        where = f" ({source})" if source else ""
        super().__init__(
            f"{host} presented host key {presented}, not the recorded {expected}{where}; the "
            "login was aborted before any credential was sent (finding host.ssh-hostkey-changed)"
        )
        self.host, self.expected, self.presented, self.source = host, expected, presented, source


class UnknownHostKey(Inconclusive):
    """No known_hosts entry and no pin for the host: the key cannot be verified, nothing sent."""

    def __init__(self, host: str, presented: str, hint: str) -> None:
        super().__init__(
            f"{host}'s host key {presented} is not in the credential's known_hosts and not "
            f"pinned in the store; the scanner never accepts a key unseen and sent no "
            f"credential. Fix: confirm the fingerprint with the entity, then {hint}"
        )
        self.host, self.presented = host, presented


class LoginFailed(PermissionError):
    """The host refused every credential offered (recorded as ``auth_failed``)."""


class PrivilegeRejected(Inconclusive):
    """sudo or su rejected the password: the host's root-only commands end here, never retried
    (a retry loop could lock the account out)."""


@dataclass(frozen=True)
class Elevation:
    """How a session runs root-only commands.

    Attributes:
        method: sudo (``sudo -n``), sudo_password (``sudo -S``) or su (``su -c``).
        password: the password for sudo_password and su, sent on the channel's stdin only.
        setting: the credential setting it comes from, for reasons (``sudo_password_env X``).
    """

    method: Privilege
    password: str = field(default="", repr=False)
    setting: str = ""

    def command(self, command: str) -> str:
        """``command`` as this method runs it (the password is never part of it)."""
        if self.method == Privilege.SUDO:
            return f"sudo -n -- {command}"
        if self.method == Privilege.SUDO_PASSWORD:
            # -k: ask even when a ticket is cached; -S: read stdin; -p: the prompt to wait for
            return f"LC_ALL=C sudo -k -S -p '{SUDO_PROMPT.decode()}' -- {command}"
        return f"LC_ALL=C su -c {shlex.quote(command)} root"

    @property
    def stdin(self) -> bytes:
        """What the channel sends before closing its stdin."""
        return (self.password + "\n").encode() if self.method != Privilege.SUDO else b""

    @property
    def prompt(self) -> bytes | None:
        """What to wait for on stderr before sending :attr:`stdin` (None: send it at once;
        su always asks, as its caller is never root)."""
        return SUDO_PROMPT if self.method == Privilege.SUDO_PASSWORD else None


@dataclass(frozen=True)
class TrustedKey:
    """A host key on record.

    Attributes:
        key: the public key.
        source: where it is recorded (``known_hosts FILE``, ``pinned by NAME``), for reasons.
    """

    key: paramiko.PKey
    source: str


@dataclass(frozen=True)
class VerifiedHostKey:
    """The key a host presented and the records it matched.

    Attributes:
        host: the name or address verified.
        port: the SSH port.
        fingerprint: ``ssh-ed25519 SHA256:...``.
        sources: the records that matched it.
    """

    host: str
    port: int
    fingerprint: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class CommandResult:
    """What one command printed and returned, bounded.

    Attributes:
        command: the command as run (with ``sudo -n --`` when asked for).
        exit_status: its exit status (-1 when it was cut off or ended by a signal).
        stdout / stderr: the first bytes of each, at most the cap.
        truncated: True when either was longer than the cap (the channel was closed then).
        timed_out: True when the deadline cut the command off.
        seconds: how long it ran.
        started_at: when it started, wall-clock seconds since the epoch (for its evidence).
        privilege: how it ran when it needed root: the method, REFUSED when sudo or su
            refused it, NONE when it ran as the login user; None for other commands.
    """

    command: str
    exit_status: int
    stdout: bytes
    stderr: bytes
    truncated: bool
    seconds: float
    timed_out: bool = False
    started_at: float = 0.0
    privilege: Privilege | None = None

    @property
    def text(self) -> str:
        """stdout decoded as UTF-8, undecodable bytes replaced."""
        return self.stdout.decode("utf-8", "replace")


def fingerprint(key: paramiko.PKey) -> str:
    """``ssh-ed25519 SHA256:...``, as OpenSSH prints it."""
    return f"{key.get_name()} {key.fingerprint}"


def known_hosts_keys(path: Path, names: Iterable[str], port: int = SSH_PORT) -> list[TrustedKey]:
    """The keys ``path`` records for any of ``names`` (``[name]:port`` when not port 22)."""
    import paramiko  # noqa: PLC0415  # loaded when SSH is first spoken (module docstring)

    try:
        known = paramiko.HostKeys(str(path))
    except OSError as exc:
        raise Inconclusive(
            f"the credential's known_hosts {path} cannot be read ({exc.strerror}). Fix: point "
            "known_hosts at a readable file, or pin the key with `scanner hostkeys approve`."
        ) from None
    found: list[TrustedKey] = []
    for name in dict.fromkeys(names):
        entry = name if port == SSH_PORT else f"[{name}]:{port}"
        for key in (known.lookup(entry) or {}).values():
            if not any(t.key.asbytes() == key.asbytes() for t in found):
                found.append(TrustedKey(key, f"known_hosts {path}"))
    return found


def verify_host_key(
    host: str, port: int, key: paramiko.PKey, trusted: Sequence[TrustedKey], hint: str
) -> VerifiedHostKey:
    """Accept ``key`` only if every record of its type equals it; see the module docstring."""
    presented = fingerprint(key)
    same_type = [t for t in trusted if t.key.get_name() == key.get_name()]
    for record in same_type:
        if record.key.asbytes() != key.asbytes():
            raise HostKeyChanged(host, fingerprint(record.key), presented, record.source)
    if same_type:
        return VerifiedHostKey(host, port, presented, tuple(t.source for t in same_type))
    if trusted:  # recorded under another type, which the host no longer offers
        raise HostKeyChanged(host, fingerprint(trusted[0].key), presented, trusted[0].source)
    raise UnknownHostKey(host, presented, hint)


def _start(
    sock: socket.socket, host: str, deadline: float, prefer: Iterable[str]
) -> tuple[paramiko.Transport, CappedSocket]:
    """A transport past key exchange (no authentication), preferring the recorded key types
    so a host with several keys presents the one on record (as OpenSSH's client does); and
    the capped socket it reads, :data:`HANDSHAKE_LIMIT` and ``deadline`` applying."""
    import paramiko  # noqa: PLC0415  # loaded when SSH is first spoken (module docstring)

    capped = CappedSocket(sock, HANDSHAKE_LIMIT, deadline, what=f"SSH server {host}")
    # paramiko takes any socket-like object (send, recv, settimeout, close); its stubs say socket
    transport = paramiko.Transport(capped)  # type: ignore[arg-type]
    try:
        wanted = [a for name in dict.fromkeys(prefer) for a in _ALGORITHMS.get(name, (name,))]
        options = transport.get_security_options()
        offered = list(options.key_types)
        first = [a for a in wanted if a in offered]
        if first:
            options.key_types = tuple(first + [a for a in offered if a not in first])
        wait = remaining(deadline)
        transport.banner_timeout = transport.handshake_timeout = wait
        with capped.explained(), translated_errors():
            transport.start_client(timeout=wait + _NOTICE)
            if not transport.is_active() or transport.host_key is None:
                raise Inconclusive(f"{host}: the SSH handshake did not complete in time")
    except BaseException:
        transport.close()
        raise
    return transport, capped


def read_host_key(sock: socket.socket, host: str, deadline: float) -> paramiko.PKey:
    """The key ``host`` presents, read without authenticating (``scanner hostkeys approve``)."""
    transport, _ = _start(sock, host, deadline, ())
    try:
        return transport.get_remote_server_key()
    finally:
        transport.close()


@dataclass(frozen=True)
class SshServerProbe:
    """What an SSH server shows a client that never authenticates (remote checks).

    Attributes:
        version: the server's identification string (``SSH-2.0-OpenSSH_9.2p1 ...``).
        key_type: the host key algorithm agreed (``ssh-ed25519``, ``rsa-sha2-512``...).
        key_bits: the host key's size in bits.
        auth_methods: the methods the server lists for ``auth_user`` (empty when not asked);
            None when it accepted the ``none`` method: no authentication at all.
    """

    version: str
    key_type: str
    key_bits: int
    auth_methods: tuple[str, ...] | None = ()


def probe_server(
    conn: Connection, *, key_types: Sequence[str] = (), auth_user: str = ""
) -> SshServerProbe:
    """Run the key exchange as a client on ``conn`` within its deadline, offering only
    ``key_types`` when given, then (with ``auth_user``) ask for the ``none`` method to learn the
    allowed ones. No credential is sent and the host key is not verified: nothing is trusted.

    A server silent or too slow is Inconclusive; one that does not speak SSH (or agrees on no
    algorithm) NotApplicable. Reads are capped (:data:`HANDSHAKE_LIMIT`, or less when the
    connection has less left) and end with the wait: a server that sends more, or drips past
    the wait, is cut off (a connectivity error, or a timeout)."""
    import paramiko  # noqa: PLC0415  # loaded when SSH is first spoken (module docstring)

    budget = remaining(conn.deadline)
    wait = max(0.1, budget - 0.5)
    limit = min(conn.read_left, HANDSHAKE_LIMIT)
    capped = CappedSocket(conn.sock, limit, time.monotonic() + wait, what="SSH server")
    transport = paramiko.Transport(capped)  # type: ignore[arg-type]  # socket-like, as in _start
    try:
        with capped.explained():
            return _probe(transport, key_types, auth_user, budget, wait)
    finally:
        transport.close()


def _probe(
    transport: paramiko.Transport,
    key_types: Sequence[str],
    auth_user: str,
    budget: float,
    wait: float,
) -> SshServerProbe:
    """:func:`probe_server`'s exchange on ``transport``."""
    import paramiko  # noqa: PLC0415  # loaded when SSH is first spoken (module docstring)

    if key_types:
        transport.get_security_options().key_types = tuple(key_types)
    transport.banner_timeout = min(10.0, budget / 2)
    try:
        transport.start_client(timeout=wait + _NOTICE)
    except paramiko.SSHException as exc:
        if isinstance(exc.__context__, TimeoutError):
            raise Inconclusive(f"no SSH banner within the wait: {exc}") from exc
        raise NotApplicable(f"the service does not speak SSH: {exc}") from exc
    if transport.host_key is None:  # start_client returns quietly when its timeout passes
        raise Inconclusive("the SSH key exchange did not finish within the wait")
    key = transport.get_remote_server_key()
    methods: tuple[str, ...] | None = ()
    if auth_user:
        try:
            transport.auth_none(auth_user)
        except paramiko.BadAuthenticationType as exc:
            methods = tuple(exc.allowed_types)
        else:
            methods = None
    return SshServerProbe(
        str(transport.remote_version), str(transport.host_key_type), key.get_bits(), methods
    )


class SshPasswordProbe:
    """Password logins on one SSH connection, for credential checks.

    The host key is not verified: only guessed passwords from public lists are sent, never a
    secret of the inspection team. What the peer sends is capped (twice
    :data:`HANDSHAKE_LIMIT`: key exchange and the logins) and every wait ends at the
    connection's deadline. ``keyboard-interactive`` is never tried in place of ``password``.
    """

    def __init__(self, conn: Connection) -> None:
        import paramiko  # noqa: PLC0415  # loaded when SSH is first spoken (module docstring)

        wait = max(0.1, remaining(conn.deadline) - 0.5)
        limit = min(conn.read_left, 2 * HANDSHAKE_LIMIT)
        self._capped = CappedSocket(conn.sock, limit, time.monotonic() + wait, what="SSH server")
        self._transport = paramiko.Transport(self._capped)  # type: ignore[arg-type]  # as _start
        self._deadline = conn.deadline
        try:
            with self._capped.explained():
                _probe(self._transport, (), "", remaining(conn.deadline), wait)
        except BaseException:
            self._transport.close()
            raise

    @property
    def alive(self) -> bool:
        """Whether the server keeps the connection open (it closes after its MaxAuthTries)."""
        return self._transport.is_active()

    def methods(self, account: str) -> tuple[str, ...] | None:
        """The methods the server allows ``account`` (asked with ``none``, which OpenSSH does
        not count as a failure); None when ``none`` itself let it in."""
        import paramiko  # noqa: PLC0415  # loaded when SSH is first spoken (module docstring)

        try:
            with self._capped.explained():
                self._transport.auth_none(account)
        except paramiko.BadAuthenticationType as exc:
            return tuple(exc.allowed_types)
        except paramiko.SSHException as exc:
            raise Inconclusive(f"the SSH server ended the login: {one_line(str(exc))}") from exc
        return None

    def try_password(self, account: str, password: str) -> bool:
        """One ``password`` login: True when accepted, False when refused (the connection may
        be closed by the server after it: see :attr:`alive`)."""
        import paramiko  # noqa: PLC0415  # loaded when SSH is first spoken (module docstring)

        self._transport.auth_timeout = max(0.1, remaining(self._deadline) - 0.2)
        try:
            with self._capped.explained():
                self._transport.auth_password(account, password, fallback=False)
        except paramiko.BadAuthenticationType as exc:
            raise NotApplicable(
                "the server does not offer password logins (allowed: "
                f"{', '.join(exc.allowed_types) or 'none'})"
            ) from exc
        except paramiko.AuthenticationException:
            return False
        except paramiko.SSHException as exc:
            if not self._transport.is_active():
                return False  # refused, then closed: the next login needs a new connection
            raise Inconclusive(f"the SSH login failed: {one_line(str(exc))}") from exc
        return self._transport.is_authenticated()

    def close(self) -> None:
        """Close the transport (and the socket under it)."""
        self._transport.close()


class SshSession:
    """One host's SSH connection for one run (thread-safe: channels are opened concurrently).

    Made in two steps so the host key's verdict is known apart from the login's: the
    constructor exchanges keys and verifies the host key (``host_key``); :meth:`login` then
    offers the credential.
    """

    def __init__(
        self,
        sock: socket.socket,
        host: str,
        trusted: Sequence[TrustedKey],
        deadline: float,
        *,
        port: int = SSH_PORT,
        hint: str = "run `scanner hostkeys approve` for the host.",
    ) -> None:
        self.host = host
        try:  # where the session runs from and to: its commands' evidence names both
            self.endpoints = (endpoint(sock.getsockname()), endpoint(sock.getpeername()))
        except OSError:
            self.endpoints = ("", endpoint((host, port)))
        self._lock = threading.Lock()
        self._running = 0  # commands running now (their output is what the peer may send)
        self._cut = 0  # commands cut off since none ran (their channel's window is in flight)
        # Channels: at most ``sessions`` open at once; lowered by the server's first refusal.
        self._slots = threading.Condition()
        self._open = 0
        self.sessions = DEFAULT_SESSIONS
        self.refusals = 0  # channels the server refused (waited for and opened again)
        # Password elevation: the first root command runs alone and decides for the others.
        self._gate = threading.Lock()
        self._rejected: str | None = None
        self._verified = False
        self._transport, self._capped = _start(
            sock, host, deadline, [t.key.get_name() for t in trusted]
        )
        try:
            key = self._transport.get_remote_server_key()
            self.host_key = verify_host_key(host, port, key, trusted, hint)
        except BaseException:
            self._transport.close()
            raise
        self._phase(IDLE_LIMIT, None)  # later checks come with deadlines of their own

    def _phase(self, margin: int, deadline: float | None) -> None:
        """From now, the peer may send ``margin`` bytes more, and reads end at ``deadline``."""
        self._capped.rebase(margin)
        self._capped.deadline = deadline

    def login(self, credential: Credential, base_dir: Path, deadline: float) -> None:
        """Authenticate with ``credential``: its key file, then the agent if asked, then the
        password from its environment variable. Raises LoginFailed naming every refusal."""
        try:
            self._phase(HANDSHAKE_LIMIT, deadline)
            self._transport.auth_timeout = remaining(deadline)
            # the transport broke (a refusal is LoginFailed), or the socket cut it off
            with self._capped.explained(), translated_errors():
                self._authenticate(credential, base_dir)
            remaining(deadline)
        except BaseException:
            self._transport.close()
            raise
        self._phase(IDLE_LIMIT, None)

    def _authenticate(self, credential: Credential, base_dir: Path) -> None:
        import paramiko  # noqa: PLC0415  # loaded when SSH is first spoken (module docstring)

        user = credential.username
        failures = []
        if credential.key_file is not None:
            path = base_dir / credential.key_file  # an absolute key_file stays itself
            try:
                key = paramiko.PKey.from_path(path)
                self._transport.auth_publickey(user, key)
            except paramiko.AuthenticationException as exc:
                failures.append(f"key {path.name}: {exc}")
            except (OSError, ValueError, paramiko.SSHException) as exc:
                failures.append(f"key file {path} cannot be used: {exc}")
        if not self._transport.is_authenticated() and credential.use_agent:
            for key in paramiko.Agent().get_keys():
                try:
                    self._transport.auth_publickey(user, key)
                    break
                except paramiko.AuthenticationException as exc:
                    failures.append(f"agent key {key.get_name()}: {exc}")
        if not self._transport.is_authenticated() and credential.password_env:
            password = os.environ.get(credential.password_env)
            if password is None:  # never send an empty password in its place
                failures.append(f"${credential.password_env} is not set")
            else:
                try:
                    self._transport.auth_password(user, password)
                except paramiko.AuthenticationException as exc:
                    failures.append(f"password from ${credential.password_env}: {exc}")
        if not self._transport.is_authenticated():
            raise LoginFailed(
                f"{self.host}: login as {user} failed ({'; '.join(failures) or 'no method'}). "
                "Fix: check the credential with the entity (the host key was verified)."
            )

    def run(
        self,
        command: str,
        deadline: float,
        *,
        sudo: bool = False,
        limit: int = OUTPUT_LIMIT,
        elevation: Elevation | None = None,
    ) -> CommandResult:
        """Run one read-only command on its own channel; output capped, ended by the deadline.

        ``elevation`` (or ``sudo``, for ``sudo -n``) runs it as root. With a password method
        the session first checks the password once (:data:`ELEVATION_PROBE` as root, the other
        root commands waiting): a rejected password raises PrivilegeRejected for this command
        and every later one, without sending the password again."""
        if elevation is None and sudo:
            elevation = Elevation(Privilege.SUDO)
        if elevation is None or elevation.method == Privilege.SUDO:
            return self._judged(command, deadline, limit, elevation)
        if self._rejected is not None:
            raise PrivilegeRejected(self._rejected)
        if not self._verified:
            if not self._gate.acquire(timeout=max(0.0, remaining(deadline))):
                raise TimeoutError(f"`{command}` waited past the deadline for the password check")
            try:
                if self._rejected is not None:
                    raise PrivilegeRejected(self._rejected)
                if not self._verified:
                    self._check_password(elevation, deadline)
            finally:
                self._gate.release()
        return self._judged(command, deadline, limit, elevation)

    def _check_password(self, elevation: Elevation, deadline: float) -> None:
        """Run :data:`ELEVATION_PROBE` under ``elevation`` once, before any root command: quick,
        so the host's other commands do not wait on a slow first one; a rejected password
        raises PrivilegeRejected here (and for every later root command)."""
        result = self._judged(ELEVATION_PROBE, deadline, 4096, elevation)
        if result.timed_out:
            raise TimeoutError(
                f"{self.host}: `{result.command}` (the password check) did not finish in time"
            )
        self._verified = True  # accepted, or not asked (a NOPASSWD rule); a rule may refuse

    def _judged(
        self, command: str, deadline: float, limit: int, elevation: Elevation | None
    ) -> CommandResult:
        """:meth:`_metered`, and what sudo or su said about the privilege."""
        full = command if elevation is None else elevation.command(command)
        stdin = b"" if elevation is None else elevation.stdin
        prompt = None if elevation is None else elevation.prompt
        result = self._metered(full, deadline, limit, stdin, prompt)
        if elevation is None:
            return result
        method, err = elevation.method, result.stderr
        err = err.replace(SUDO_PROMPT, b"")  # a second prompt (after a rejection) stays
        if method == Privilege.SU and err.startswith(b"Password:"):
            err = err.removeprefix(b"Password:").lstrip(b" ")  # PAM's prompt, on stderr
        failed = result.exit_status != 0 and not (result.timed_out or result.truncated)
        rejected = _SU_REJECTED if method == Privilege.SU else _SUDO_REJECTED
        if method != Privilege.SUDO and failed and any(m in err for m in rejected):
            tool = "su" if method == Privilege.SU else "sudo"
            whose = "root's password" if method == Privilege.SU else "the password"
            self._rejected = one_line(
                f"{self.host}: {tool} rejected {whose} from {elevation.setting} (sent once and "
                "not retried, so the account is not locked out); every root-only check of the "
                f"host ends here. Fix: check {elevation.setting} with the entity",
                400,
            )
            raise PrivilegeRejected(self._rejected)
        refused = failed and method != Privilege.SU and any(m in err for m in _SUDO_REFUSED)
        return CommandResult(
            result.command,
            result.exit_status,
            result.stdout,
            err,
            result.truncated,
            result.seconds,
            result.timed_out,
            result.started_at,
            privilege=Privilege.REFUSED if refused else method,
        )

    def _metered(
        self, full: str, deadline: float, limit: int, stdin: bytes, prompt: bytes | None
    ) -> CommandResult:
        """:meth:`_run` with what the peer may send while it runs accounted for."""
        window = self._transport.default_window_size  # what the server may have in flight
        with self._lock:
            self._running += 1
            # each stream is read up to the cap plus one round's reads before it is cut
            self._capped.allow(2 * (limit + _READS_PER_ROUND * _CHUNK) + window + COMMAND_OVERHEAD)
        cut = True
        try:
            with self._capped.explained():
                result = self._run(full, deadline, limit, stdin, prompt)
            cut = result.truncated or result.timed_out
            return result
        finally:
            with self._lock:
                self._running -= 1
                self._cut += cut
                if not self._running:  # what a command was allowed and did not use expires
                    self._capped.rebase(IDLE_LIMIT + self._cut * window)
                    self._cut = 0

    def _channel(self, full: str, deadline: float) -> paramiko.Channel:
        """A session channel, within the server's limit of concurrent sessions: a refusal
        (``ChannelException``: sshd's ``MaxSessions``) is no failure; it lowers the limit to
        the channels open then, and the command waits for one to close and asks again, until
        the deadline."""
        import paramiko  # noqa: PLC0415  # loaded when SSH is first spoken (module docstring)

        pause = _RETRY_FIRST
        while True:
            with self._slots:
                while self._open >= self.sessions:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise DeadlineExceeded(
                            f"`{full}` found no free session channel on {self.host} before the "
                            f"deadline (the server allows {self.sessions} at once)"
                        )
                    self._slots.wait(timeout=left)
                self._open += 1
            try:
                with self._lock, translated_errors():
                    try:
                        return self._transport.open_session(timeout=remaining(deadline))
                    except paramiko.ChannelException:
                        pass  # refused: below
            except BaseException:
                self._release()
                raise
            with self._slots:
                self._open -= 1
                self.refusals += 1
                self.sessions = max(1, min(self.sessions, self._open))
                self._slots.notify_all()
                self._slots.wait(timeout=min(pause, max(0.0, deadline - time.monotonic())))
            if time.monotonic() >= deadline:
                raise DeadlineExceeded(
                    f"{self.host} refused a session channel for `{full}` until the deadline "
                    f"(sshd MaxSessions; {self.refusals} refusals, {self._open} channels open)"
                )
            pause = min(pause * 2, _RETRY_MOST)

    def _release(self) -> None:
        with self._slots:
            self._open -= 1
            self._slots.notify_all()

    def _run(
        self,
        full: str,
        deadline: float,
        limit: int,
        stdin: bytes = b"",
        prompt: bytes | None = None,
    ) -> CommandResult:
        """:meth:`run` on a channel of its own."""
        started, started_at = time.monotonic(), time.time()
        channel = self._channel(full, deadline)
        try:
            feed, clock = (stdin, prompt), (started, started_at)
            return self._exchange(channel, full, deadline, limit, feed, clock)
        finally:
            channel.close()
            self._release()

    def _exchange(
        self,
        channel: paramiko.Channel,
        full: str,
        deadline: float,
        limit: int,
        feed: tuple[bytes, bytes | None],
        clock: tuple[float, float],
    ) -> CommandResult:
        """Run ``full`` on ``channel``, read both streams. ``feed``: what to send on stdin
        before closing it, and the prompt to wait for on stderr first (None: at once; a
        command that ends without the prompt is never sent it)."""
        import paramiko  # noqa: PLC0415  # loaded when SSH is first spoken (module docstring)

        stdin, prompt = feed
        started, started_at = clock  # monotonic (the deadline's), wall (the evidence's)
        out, err = bytearray(), bytearray()
        timed_out = truncated = False
        # paramiko waits for the answer to the exec request without a timeout: a host that
        # never answers would hold the check past its deadline, so closing the channel then
        # ends the wait.
        watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), channel.close)
        watchdog.daemon = True
        watchdog.start()
        try:
            channel.exec_command(full)
        except paramiko.SSHException as exc:
            if time.monotonic() < deadline:
                raise TransportError.of(exc) from exc
            raise TimeoutError(f"`{full}` was not started before the deadline") from None
        finally:
            watchdog.cancel()
        waiting = prompt is not None
        if not waiting:
            _feed(channel, stdin)
        while True:
            progressed = _drain(channel, out, err)
            if waiting and prompt is not None and prompt in err[:_PROMPT_WITHIN]:
                waiting = False  # sudo asks: the password, once (a second prompt reads EOF)
                err[:_PROMPT_WITHIN] = err[:_PROMPT_WITHIN].replace(prompt, b"", 1)
                _feed(channel, stdin)
            if len(out) > limit or len(err) > limit:
                truncated = True  # stop here: the rest is not worth the wait or the memory
                break
            # Done when the server said EOF (all output sent) and the exit status, and
            # nothing is left to read. The exit status alone is not enough: it can come
            # before the last output does (seen here as a read missing its last lines).
            if (
                channel.exit_status_ready()
                and (channel.eof_received or channel.closed)
                and not channel.recv_ready()
                and not channel.recv_stderr_ready()
            ):
                break
            if time.monotonic() >= deadline:
                timed_out = True
                break
            if not self._transport.is_active():  # cut off (see explained), or it broke
                raise TransportError(f"the SSH connection closed during `{full}`")
            if not progressed:
                time.sleep(0.01)
        status = -1 if truncated or timed_out else channel.recv_exit_status()
        # the server frees the channel's session when it closes it: wait for that (briefly)
        # so the next command is not refused by a server at its MaxSessions
        until = min(deadline, time.monotonic() + _CLOSE_WAIT)
        while not (truncated or timed_out or channel.closed) and time.monotonic() < until:
            time.sleep(0.005)
        return CommandResult(
            full,
            status,
            bytes(out[:limit]),
            bytes(err[:limit]),
            truncated,
            time.monotonic() - started,
            timed_out,
            started_at,
        )

    def close(self) -> None:
        """Close the transport."""
        self._transport.close()


def _feed(channel: paramiko.Channel, stdin: bytes) -> None:
    """Send ``stdin`` (a password line: on stdin only, never on the command line), then EOF,
    so nothing that reads stdin waits for more."""
    with translated_errors():
        if stdin:
            channel.sendall(stdin)
        channel.shutdown_write()


def _drain(channel: paramiko.Channel, out: bytearray, err: bytearray) -> bool:
    """Read some of what is ready on both streams; True if anything came."""
    progressed = False
    for _ in range(_READS_PER_ROUND):
        if not channel.recv_ready():
            break
        chunk = channel.recv(_CHUNK)
        progressed = progressed or bool(chunk)
        out += chunk
    for _ in range(_READS_PER_ROUND):
        if not channel.recv_stderr_ready():
            break
        chunk = channel.recv_stderr(_CHUNK)
        progressed = progressed or bool(chunk)
        err += chunk
    return progressed


def describe(result: CommandResult) -> str:
    """One line about a command's outcome, for reasons and evidence."""
    return one_line(
        f"`{result.command}` exited {result.exit_status}: "
        f"{result.stderr.decode('utf-8', 'replace')}",
        300,
    )


class _RefusedChannels(logging.Filter):
    """Keeps paramiko's "channel open FAILED" lines off the terminal: a channel the server
    refuses at its MaxSessions is waited for and opened again (:meth:`SshSession._channel`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "open FAILED" not in record.getMessage()


logging.getLogger("paramiko.transport").addFilter(_RefusedChannels())
