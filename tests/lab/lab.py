"""The scanner's test lab: real network daemons on dedicated 127.0.10.x loopback addresses.

The integration tests (and anyone demonstrating the scanner) need real targets: a deliberately
**weak** host, a **hardened** host that gets the same services right, and an **ot** host speaking
Modbus/TCP. This script installs, starts, stops and reports on those daemons. Everything runs on
this machine, each daemon bound to one explicit 127.0.10.x address (never a wildcard), as an
unprivileged user where the daemon allows it, with every file it needs under one state directory.

Usage (as root; stdlib only, Python 3.11)::

    python3 tests/lab/lab.py install          # apt-get the Debian packages (quick when present)
    python3 tests/lab/lab.py start            # configs, certificates, daemons; waits until ready
    python3 tests/lab/lab.py status           # hosts, services, processes; exit 0 if all up
    python3 tests/lab/lab.py stop             # stops only the processes it recorded

Options: ``--state-dir DIR`` (default ``tests/lab/.run``), ``--python PY`` (the interpreter that
runs the Modbus server; it must import pymodbus 3.8.6; default: the one running this script).

Tests import it as ``from tests.lab import lab`` and use :data:`LAB_HOSTS`, :func:`start`,
:func:`stop`, :func:`is_running` and :func:`load_state`.

Process safety: each daemon runs in the foreground in its own session (``start_new_session``),
and ``state.json`` records its PID, start time (``/proc/PID/stat`` field 22) and argv. ``stop``
signals a PID only while that start time still matches; it also ends the daemon's own descendants
(nginx workers, FTP/SSH/telnet sessions), found through the recorded PID while it is verified.
``start`` and ``stop`` of one state dir are serialised by an flock on ``STATE/.lock``.

State dir layout (certificates, keys and secrets are kept across restarts; configs are rewritten
on every start)::

    state.json                  recorded processes          .lock   start/stop lock
    ca.pem                      lab CA certificate (trust it to verify the hardened host)
    tls/                        ca.key, hardened.{crt,key} (CA-signed), weak.{crt,key} (self-signed)
    secrets/ (0700)             redis-hardened.password, mqtt-hardened.password (user "lab"),
                                snmp-hardened.community          -- each file 0600
    logs/NAME.log               stdout+stderr of each daemon (plus nginx-access, vsftpd xfer logs)
    nginx/ redis-*/ inetd/ vsftpd-*/ mosquitto-*/ snmpd-*/ sshd-*/   configs, data, pid files,
                                host keys (sshd-*/ssh_host_*_key)
    tls-lab/                    the tls host's certificates (lab CA) and keys; openssl ca database
    nginx-tls/                  the tls host's own nginx: config, pid, temp dirs
    keys/ (0700)                audit_ed25519 (0600) and .pub: the lab audit user's key
    known_hosts                 the on-site hosts' host keys (``ADDR`` and ``[ADDR]:22``)
    hosts/NAME/ (0700)          an on-site host: ssh_host_ed25519_key(.pub) and machine-id
                                (kept); etc/ (a cp -a of the real /etc, then edited), home/,
                                root/, var-log/, apt-lists/, usr-local-sbin/ (weak only), made
                                afresh on every start and bind-mounted only inside the host's
                                namespace

On-site hosts (onsite-weak 127.0.10.5, onsite-hardened 127.0.10.6): an anchor process started
under ``unshare --mount --uts --propagation private`` bind-mounts the host's copies over /etc,
/home, /root, /var/log and /var/lib/apt/lists (the weak host also /usr/local/sbin) and sets the
hostname; the host's sshd (and the weak host's extra listener on port 9099) runs inside via
``nsenter -t ANCHOR -m -u``. The hosts share this machine's network namespace, so its live
firewall ruleset and listening sockets are theirs too; apt only simulates against the lab's own
package lists (source ``security.lab.invalid``, never fetched). The anchors are recorded and
stopped like every other daemon; the namespaces and their mounts vanish with their last process.
Log in as :data:`AUDIT_USER` with ``STATE/keys/audit_ed25519`` and ``STATE/known_hosts``.

The Modbus server runs as ``nobody``. If ``nobody`` cannot use the ``--python`` interpreter (a
pyenv or venv Python under /root), it runs under ``/usr/bin/python3`` with that interpreter's
pymodbus directory on PYTHONPATH (pymodbus is pure Python).
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import fcntl
import grp
import json
import os
import pwd
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Final, Literal

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
DEFAULT_STATE_DIR: Final = REPO_ROOT / "tests" / "lab" / ".run"
MODBUS_SERVER_SCRIPT: Final = Path(__file__).resolve().with_name("modbus_server.py")
STATE_FILE: Final = "state.json"
PYMODBUS_VERSION: Final = "3.8.6"

START_TIMEOUT: Final = 15.0
STOP_TIMEOUT: Final = 5.0

WEAK_ADDR: Final = "127.0.10.1"
HARDENED_ADDR: Final = "127.0.10.2"
OT_ADDR: Final = "127.0.10.3"
TLS_ADDR: Final = "127.0.10.4"
ONSITE_WEAK_ADDR: Final = "127.0.10.5"
ONSITE_HARDENED_ADDR: Final = "127.0.10.6"

# Debian packages the lab needs (``install``). nmap is here for the scanner's discovery tests.
DEBIAN_PACKAGES: Final = (
    "nginx-light",
    "redis-server",
    "vsftpd",
    "mosquitto",
    "snmpd",
    "openssh-server",
    "openssh-client",
    "inetutils-inetd",
    "inetutils-telnetd",
    "openssl",
    "iproute2",
    "procps",
    "util-linux",
    "netbase",
    "nmap",
    "python3",
    "postgresql",
    "tigervnc-standalone-server",
    "samba",
    "sudo",
)

# Modbus data served by the ot host (modbus_server.py imports these; tests assert on them).
MODBUS_UNIT_ID: Final = 1
MODBUS_HOLDING_REGISTERS: Final = (1200, 345, 6789, 42, 0, 1, 2, 3, 4, 5)
MODBUS_IDENTITY: Final[Mapping[str, str]] = MappingProxyType(
    {
        "VendorName": "Inspection Lab",
        "ProductCode": "LAB-PLC-1",
        "MajorMinorRevision": "1.0",
        "VendorUrl": "http://lab.invalid/",
        "ProductName": "Lab PLC simulator",
        "ModelName": "LP-1",
    }
)

MQTT_USER: Final = "lab"
WEAK_SNMP_COMMUNITY: Final = "public"
WEAK_SNMP_RW_COMMUNITY: Final = "private"
SYSDESCR_OID: Final = "1.3.6.1.2.1.1.1.0"

_DAEMON_ENV: Final[Mapping[str, str]] = MappingProxyType(
    {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
)


class LabError(RuntimeError):
    """The lab could not do what was asked; the message says why and what to do."""


# --------------------------------------------------------------------------------------------
# Description of the lab
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    """One network service of a lab host."""

    name: str
    port: int
    protocol: Literal["tcp", "udp"]
    daemon: str
    posture: str


@dataclass(frozen=True)
class Host:
    """One lab host: a loopback address and the services bound to it."""

    name: str
    address: str
    role: str
    services: tuple[Service, ...]

    def service(self, name: str) -> Service:
        """Return the service called ``name`` (KeyError if the host has none)."""
        for svc in self.services:
            if svc.name == name:
                return svc
        raise KeyError(f"{self.name} has no service {name!r}")

    @property
    def tcp_ports(self) -> tuple[int, ...]:
        return tuple(s.port for s in self.services if s.protocol == "tcp")

    @property
    def udp_ports(self) -> tuple[int, ...]:
        return tuple(s.port for s in self.services if s.protocol == "udp")


#: A listener the weak host runs besides sshd, undeclared (host.unexpected-listening-service):
#: a stdlib TCP server inside the host's namespace, as nobody, that sends one line and closes.
ONSITE_EXTRA_PORT: Final = 9099

LAB_HOSTS: Final[Mapping[str, Host]] = MappingProxyType(
    {
        "weak": Host(
            name="weak",
            address=WEAK_ADDR,
            role="every service configured badly",
            services=(
                Service("ftp", 21, "tcp", "vsftpd-weak", "anonymous login allowed, no TLS"),
                Service(
                    "ssh",
                    22,
                    "tcp",
                    "sshd-weak",
                    "password and root login; RSA-1024 and DSA host keys; "
                    "group1/group14-sha1 kex, CBC/3DES ciphers, SHA1/MD5 MACs",
                ),
                Service("telnet", 23, "tcp", "inetd", "cleartext telnet (inetutils telnetd)"),
                Service(
                    "http",
                    80,
                    "tcp",
                    "nginx",
                    "no redirect to HTTPS; Server header with version; /files/ listing",
                ),
                Service(
                    "https",
                    443,
                    "tcp",
                    "nginx",
                    "self-signed certificate; TLS 1.0-1.3 at SECLEVEL=0; no HSTS "
                    "or security headers; Server header with version",
                ),
                Service("snmp", 161, "udp", "snmpd-weak", "communities public (ro), private (rw)"),
                Service("mqtt", 1883, "tcp", "mosquitto-weak", "anonymous clients allowed"),
                Service("redis", 6379, "tcp", "redis-weak", "protected-mode no, no password"),
                Service("redis", 6380, "tcp", "redis-weak-6380", "requirepass foobared (default)"),
                Service(
                    "postgresql",
                    5432,
                    "tcp",
                    "postgres-weak",
                    "listens on the host's address; ssl off; password (SCRAM) from any address",
                ),
                Service("vnc", 5900, "tcp", "xvnc-weak", "TigerVNC Xvnc, security type None"),
                Service(
                    "microsoft-ds",
                    445,
                    "tcp",
                    "smbd-weak",
                    "Samba, guest access to a read-only share, signing not required",
                ),
            ),
        ),
        "hardened": Host(
            name="hardened",
            address=HARDENED_ADDR,
            role="the same services configured well",
            services=(
                Service("ftp", 21, "tcp", "vsftpd-hardened", "no anonymous; TLS required"),
                Service(
                    "ssh",
                    22,
                    "tcp",
                    "sshd-hardened",
                    "public key only, no root login, ed25519 host key, modern algorithms",
                ),
                Service("http", 80, "tcp", "nginx", "301 to https://127.0.10.2/, no version"),
                Service(
                    "https",
                    443,
                    "tcp",
                    "nginx",
                    "lab-CA certificate (SAN IP:127.0.10.2); TLS 1.2/1.3; HSTS, "
                    "X-Content-Type-Options, X-Frame-Options, CSP",
                ),
                Service("snmp", 161, "udp", "snmpd-hardened", "one random ro community"),
                Service("mqtt", 1883, "tcp", "mosquitto-hardened", "password file, no anonymous"),
                Service("redis", 6379, "tcp", "redis-hardened", "requirepass (random)"),
            ),
        ),
        "ot": Host(
            name="ot",
            address=OT_ADDR,
            role="industrial controller",
            services=(
                Service(
                    "modbus",
                    502,
                    "tcp",
                    "modbus",
                    "Modbus/TCP (pymodbus): holding registers and device identification, "
                    "no authentication (as the protocol)",
                ),
            ),
        ),
        "tls": Host(
            name="tls",
            address=TLS_ADDR,
            role="one TLS weakness per port (its own nginx, certificates from the lab CA)",
            services=(
                Service("https", 443, "tcp", "nginx-tls", "expired certificate (2020-2021)"),
                Service("https", 8443, "tcp", "nginx-tls", "not yet valid certificate (2040-2041)"),
                Service(
                    "https",
                    9443,
                    "tcp",
                    "nginx-tls",
                    "RSA-1024 key, SHA-1 signature; TLS 1.0-1.2 at SECLEVEL=0 with CBC, "
                    "anonymous and NULL cipher suites",
                ),
                Service(
                    "https", 10443, "tcp", "nginx-tls", "certificate for www.other.invalid only"
                ),
                Service("https", 11443, "tcp", "nginx-tls", "certificate expiring in 7-10 days"),
            ),
        ),
        "onsite-weak": Host(
            name="onsite-weak",
            address=ONSITE_WEAK_ADDR,
            role="on-site audit target configured badly (own /etc, /home, /root in a mount"
            " namespace; hostname onsite-weak)",
            services=(
                Service(
                    "ssh",
                    22,
                    "tcp",
                    "sshd-onsite-weak",
                    "key login for the lab audit user; root login, password auth, empty "
                    "passwords, MaxAuthTries 10, X11 forwarding; host: extra UID 0 (toor), "
                    "empty password (guest), PASS_MAX_DAYS 99999, world-writable file in /etc, "
                    "logs kept 4 weeks, no auditd, volatile journal and no syslog config, no "
                    "pwquality (PAM or pwquality.conf), no time sync enabled, SUID "
                    "/usr/local/sbin/lab-suid, no firewall "
                    "configured, one pending security update (netbase, lab apt lists), an "
                    "undeclared listener on 9099/tcp",
                ),
                Service(
                    "unknown",
                    ONSITE_EXTRA_PORT,
                    "tcp",
                    "listener-onsite-weak",
                    "a service the asset does not declare (python3 inside the host's namespace,"
                    " sends one line)",
                ),
            ),
        ),
        "onsite-hardened": Host(
            name="onsite-hardened",
            address=ONSITE_HARDENED_ADDR,
            role="on-site audit target configured well (own /etc, /home, /root in a mount"
            " namespace; hostname onsite-hardened)",
            services=(
                Service(
                    "ssh",
                    22,
                    "tcp",
                    "sshd-onsite-hardened",
                    "key login for the lab audit user; no root login, public key only, "
                    "MaxAuthTries 3; host: PASS_MAX_DAYS 90, pam_pwquality with minlen 12 and 3 "
                    "classes, systemd-timesyncd enabled (NTP=127.0.0.1, never run), logs kept "
                    "26 weeks, auditd config, persistent journal, nftables default-drop input "
                    "enabled at boot (never loaded), no pending security update (lab apt lists)",
                ),
            ),
        ),
    }
)


@dataclass(frozen=True)
class ProcessRecord:
    """A daemon the lab started: enough to find it again and to be sure it is the same one."""

    name: str
    pid: int
    starttime: int
    argv: tuple[str, ...]

    def alive(self) -> bool:
        return _is_alive(self.pid, self.starttime)


@dataclass(frozen=True)
class LabState:
    """A started lab: its state directory and recorded processes, and where its secrets are."""

    state_dir: Path
    processes: tuple[ProcessRecord, ...]
    python: str = ""
    already_running: bool = False

    @property
    def ca_pem(self) -> Path:
        """The lab CA certificate that signed the hardened host's certificate."""
        return self.state_dir / "ca.pem"

    def secret_path(self, name: str) -> Path:
        return self.state_dir / "secrets" / name

    def secret(self, name: str) -> str:
        return self.secret_path(name).read_text(encoding="utf-8").strip()

    @property
    def redis_password(self) -> str:
        return self.secret("redis-hardened.password")

    @property
    def snmp_community(self) -> str:
        """The hardened host's (only) SNMP community."""
        return self.secret("snmp-hardened.community")

    @property
    def mqtt_password(self) -> str:
        """Password of :data:`MQTT_USER` on the hardened MQTT broker."""
        return self.secret("mqtt-hardened.password")

    @property
    def audit_key(self) -> Path:
        """Private key (0600) of :data:`AUDIT_USER` on the on-site hosts."""
        return self.state_dir / "keys" / "audit_ed25519"

    @property
    def known_hosts(self) -> Path:
        """known_hosts with the on-site hosts' ed25519 host keys (plain and ``[addr]:22``)."""
        return self.state_dir / "known_hosts"

    def process(self, name: str) -> ProcessRecord:
        for rec in self.processes:
            if rec.name == name:
                return rec
        raise KeyError(name)

    def all_alive(self) -> bool:
        return bool(self.processes) and all(p.alive() for p in self.processes)


@dataclass(frozen=True)
class DaemonSpec:
    """How to run one daemon (built at start time, since paths depend on the state dir)."""

    name: str
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=lambda: dict(_DAEMON_ENV))
    #: Name of an anchor process (spawned earlier) whose mount and UTS namespaces the daemon
    #: runs in: started as ``nsenter -t PID -m -u -- argv`` once the anchor's mounts are up.
    enter_ns: str = ""


# --------------------------------------------------------------------------------------------
# /proc helpers
# --------------------------------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    """Fields 3.. of /proc/PID/stat (index 0 is field 3, the state), or None if gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return raw[raw.rfind(b")") + 2 :].decode("ascii", "replace").split()


def proc_starttime(pid: int) -> int | None:
    """Field 22 of /proc/PID/stat (start time in clock ticks since boot), None if gone."""
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else None


def _is_alive(pid: int, starttime: int) -> bool:
    fields = _stat_fields(pid)
    if fields is None or int(fields[19]) != starttime:
        return False
    if fields[0] in ("Z", "X"):
        _reap(pid)
        return False
    return True


_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def _reap(pid: int) -> None:
    """Collect the exit status of a daemon we spawned in this process (no zombie left)."""
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=0.05)
            return
        _CHILDREN[pid] = child


def _all_procs() -> dict[int, tuple[int, int, int]]:
    """pid -> (ppid, session id, starttime) for every live, non-zombie process."""
    out: dict[int, tuple[int, int, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is None or fields[0] in ("Z", "X"):
            continue
        out[int(entry.name)] = (int(fields[1]), int(fields[3]), int(fields[19]))
    return out


def lab_processes(state: LabState) -> list[tuple[int, int]]:
    """(pid, starttime) of every live lab process: the recorded daemons whose start time still
    matches, their descendants, and the other members of their sessions (orphans reparented to
    init). Nothing is found through a recorded PID that no longer matches."""
    procs = _all_procs()
    found: dict[int, int] = {}
    roots: list[ProcessRecord] = []
    for rec in state.processes:
        info = procs.get(rec.pid)
        if info is not None and info[2] == rec.starttime:
            found[rec.pid] = rec.starttime
            roots.append(rec)
    children: dict[int, list[int]] = {}
    for pid, (ppid, _sid, _st) in procs.items():
        children.setdefault(ppid, []).append(pid)
    todo = [r.pid for r in roots]
    while todo:
        for kid in children.get(todo.pop(), []):
            if kid not in found:
                found[kid] = procs[kid][2]
                todo.append(kid)
    for rec in roots:  # only while the leader is verified: then its session is surely ours
        for pid, (_ppid, sid, st) in procs.items():
            if sid == rec.pid and pid not in found:
                found[pid] = st
    return sorted(found.items())


# --------------------------------------------------------------------------------------------
# Small helpers: files, users, commands
# --------------------------------------------------------------------------------------------


def _ids(user: str, group: str | None = None) -> tuple[int, int]:
    try:
        uid = pwd.getpwnam(user).pw_uid
        gid = grp.getgrnam(group).gr_gid if group else pwd.getpwnam(user).pw_gid
    except KeyError as exc:
        raise LabError(f"system user/group missing: {exc}; run `lab.py install`") from exc
    return uid, gid


def _mkdir(path: Path, mode: int = 0o755, owner: str | None = None) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, mode)
    if owner:
        os.chown(path, *_ids(owner))
    return path


def _write(path: Path, text: str, mode: int = 0o644, owner: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, mode)
    if owner:
        os.chown(tmp, *_ids(owner))
    os.replace(tmp, path)
    return path


def _run(argv: Sequence[str], what: str, timeout: float = 60.0) -> str:
    try:
        res = subprocess.run(
            list(argv), capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabError(f"{what} failed: {exc}") from exc
    if res.returncode != 0:
        raise LabError(f"{what} failed (exit {res.returncode}): {res.stderr.strip()[-800:]}")
    return res.stdout


def _secret(path: Path, factory: str = "token") -> str:
    """Read a secret file, creating it (mode 0600, root) with a random value if missing."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = secrets.token_hex(12) if factory == "hex" else secrets.token_urlsafe(18)
    _write(path, value + "\n", mode=0o600)
    return value


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join("    " + line for line in text.splitlines()[-lines:]) or "    (empty log)"


def _say(msg: str) -> None:
    print(f"lab: {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# install
# --------------------------------------------------------------------------------------------


def missing_packages(packages: Iterable[str] = DEBIAN_PACKAGES) -> list[str]:
    """The Debian packages of ``packages`` that dpkg does not report as installed."""
    wanted = list(packages)
    res = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\n", *wanted],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    installed = {
        line.split()[0].split(":")[0]
        for line in res.stdout.splitlines()
        if line.split()[-1:] == ["installed"]
    }
    return [p for p in wanted if p not in installed]


def install() -> None:
    """apt-get install the lab's Debian packages; quick when they are all present.

    While apt runs, a temporary ``/usr/sbin/policy-rc.d`` (only if none exists) stops the
    packages' maintainer scripts from starting the system daemons, which would listen on
    0.0.0.0 and take the lab's ports.
    """
    _require_root()
    missing = missing_packages()
    if not missing:
        _say(f"all {len(DEBIAN_PACKAGES)} Debian packages present")
        return
    _say(f"installing: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    policy = Path("/usr/sbin/policy-rc.d")
    made_policy = not policy.exists()
    if made_policy:
        _write(policy, "#!/bin/sh\n# lab.py install: do not start daemons\nexit 101\n", 0o755)
    try:
        for argv in (
            ["apt-get", "update"],
            ["apt-get", "install", "-y", "--no-install-recommends", *missing],
        ):
            res = subprocess.run(argv, env=env, check=False, timeout=1800)
            if res.returncode != 0:
                raise LabError(f"`{' '.join(argv)}` failed with exit code {res.returncode}")
    finally:
        if made_policy:
            policy.unlink(missing_ok=True)
    still = missing_packages()
    if still:
        raise LabError(f"packages still missing after apt-get: {' '.join(still)}")
    _say("packages installed")


# --------------------------------------------------------------------------------------------
# Certificates, keys and secrets
# --------------------------------------------------------------------------------------------

_CA_CNF = """\
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
O = Inspection Lab
CN = Inspection Lab CA
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
"""

_LEAF_CNF = """\
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_leaf
[dn]
O = Inspection Lab
CN = {address}
[v3_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:{address}
subjectKeyIdentifier = hash
"""


_OPENSSL_REQ: Final = ("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-sha256")
_REDIS: Final = "/usr/bin/redis-server"


def _make_tls(state_dir: Path) -> None:
    """Lab CA (STATE/ca.pem), hardened cert signed by it, self-signed weak cert (kept if
    present, so fingerprints stay stable across restarts)."""
    tls = _mkdir(state_dir / "tls")
    ca_pem, ca_key = state_dir / "ca.pem", tls / "ca.key"
    if not (ca_pem.exists() and ca_key.exists()):
        cnf = _write(tls / "ca.cnf", _CA_CNF)
        _run(
            [
                *_OPENSSL_REQ,
                "-x509",
                "-config",
                str(cnf),
                "-keyout",
                str(ca_key),
                "-out",
                str(ca_pem),
                "-days",
                "3650",
            ],
            "openssl (lab CA)",
        )
        for p in (tls / "hardened.crt", tls / "weak.crt"):
            p.unlink(missing_ok=True)
    hard_crt, hard_key = tls / "hardened.crt", tls / "hardened.key"
    if not (hard_crt.exists() and hard_key.exists()):
        cnf = _write(tls / "hardened.cnf", _LEAF_CNF.format(address=HARDENED_ADDR))
        csr = tls / "hardened.csr"
        _run(
            [
                *_OPENSSL_REQ,
                "-new",
                "-config",
                str(cnf),
                "-keyout",
                str(hard_key),
                "-out",
                str(csr),
            ],
            "openssl (hardened CSR)",
        )
        _run(
            [
                *("openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca_pem)),
                *("-CAkey", str(ca_key), "-set_serial", str(secrets.randbits(63))),
                *("-days", "365", "-sha256", "-extfile", str(cnf), "-extensions", "v3_leaf"),
                *("-out", str(hard_crt)),
            ],
            "openssl (sign hardened certificate)",
        )
    weak_crt, weak_key = tls / "weak.crt", tls / "weak.key"
    if not (weak_crt.exists() and weak_key.exists()):
        cnf = _write(tls / "weak.cnf", _LEAF_CNF.format(address=WEAK_ADDR))
        _run(
            [
                *_OPENSSL_REQ,
                "-x509",
                "-config",
                str(cnf),
                "-keyout",
                str(weak_key),
                "-out",
                str(weak_crt),
                "-days",
                "365",
            ],
            "openssl (weak self-signed certificate)",
        )
    for key in (ca_key, hard_key, weak_key):
        os.chmod(key, 0o600)
    for crt in (ca_pem, hard_crt, weak_crt):
        os.chmod(crt, 0o644)


def _ssh_key(path: Path, ktype: str, bits: int | None = None) -> None:
    if path.exists() and path.with_suffix(".pub").exists():
        return
    path.unlink(missing_ok=True)
    path.with_suffix(".pub").unlink(missing_ok=True)
    argv = ["ssh-keygen", "-q", "-t", ktype, "-N", "", "-C", f"lab-{path.name}", "-f", str(path)]
    if bits:
        argv[4:4] = ["-b", str(bits)]
    _run(argv, f"ssh-keygen ({path.name})")
    os.chmod(path, 0o600)


# --------------------------------------------------------------------------------------------
# Daemon configurations
# --------------------------------------------------------------------------------------------


def _nginx(state_dir: Path) -> DaemonSpec:
    base = _mkdir(state_dir / "nginx")
    tmp = _mkdir(base / "tmp")
    tls = state_dir / "tls"
    weak_root = _mkdir(base / "html" / "weak")
    hard_root = _mkdir(base / "html" / "hardened")
    _write(weak_root / "index.html", "<html><body><h1>weak lab host</h1></body></html>\n")
    files = _mkdir(weak_root / "files")
    _write(files / "backup-2024.sql", "-- lab fixture, not a real backup\n")
    _write(files / "notes.txt", "lab fixture\n")
    # weak: what the web checks look for (every value is a lab fixture, not a secret)
    _write(weak_root / ".git" / "HEAD", "ref: refs/heads/main\n")
    _write(weak_root / ".git" / "config", "[core]\n\trepositoryformatversion = 0\n\tbare = false\n")
    _write(
        weak_root / ".env",
        "APP_ENV=production\nAPP_KEY=base64:bGFiLWZpeHR1cmU=\nDB_HOST=127.0.0.1\n"
        "DB_PASSWORD=lab-fixture-not-a-secret\n",
    )
    _write(
        weak_root / "backup.sql",
        "-- MySQL dump 10.13  Distrib 8.0.36 (lab fixture)\n"
        "CREATE TABLE `users` (`id` int NOT NULL, `name` varchar(64), PRIMARY KEY (`id`));\n"
        "INSERT INTO `users` VALUES (1,'lab-user');\n",
    )
    _write(
        weak_root / "admin" / "index.html",
        "<html><head><title>Admin console login</title></head><body><h1>Admin console</h1>"
        '<form method="post" action="/admin/login"><input name="username">'
        '<input type="password" name="password"><button>Log in</button></form></body></html>\n',
    )
    stock = Path("/usr/share/nginx/html/index.html")  # Debian's own welcome page when present
    _write(
        weak_root / "welcome" / "index.html",
        stock.read_text(encoding="utf-8")
        if stock.is_file()
        else "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n"
        "<body>\n<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is "
        "successfully installed and working.</p>\n</body>\n</html>\n",
    )
    # hardened: a privacy policy linked from the front page, nothing else to find
    _write(
        hard_root / "index.html",
        "<html><head><title>hardened lab host</title></head><body><h1>hardened lab host</h1>"
        '<footer><a href="/privacy.html">Privacy policy 隐私政策</a></footer></body></html>\n',
    )
    _write(
        hard_root / "privacy.html",
        "<html><head><title>Privacy policy 隐私政策</title></head><body><h1>Privacy policy</h1>"
        "<p>Lab fixture: what is collected, why, for how long, and whom to contact.</p>"
        "</body></html>\n",
    )
    temps = "\n".join(
        f"    {kind}_temp_path {tmp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    hardened_headers = "\n".join(
        f'        add_header {name} "{value}" always;'
        for name, value in (
            ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"),
            ("Referrer-Policy", "no-referrer"),
        )
    )
    weak_cookie = (
        '        location = /index.html { add_header Set-Cookie "sessionid=lab-weak; Path=/"; }'
    )
    hard_cookie = "sessionid=lab-hardened; Path=/; Secure; HttpOnly; SameSite=Strict"
    conf = f"""\
# Generated by tests/lab/lab.py: one nginx for the weak and hardened hosts.
user www-data;
worker_processes 1;
pid {base / "nginx.pid"};
error_log stderr notice;
events {{ worker_connections 256; }}
http {{
    default_type text/html;
    types {{ text/html html; text/plain txt sql; }}
    access_log {state_dir / "logs" / "nginx-access.log"};
{temps}
    sendfile on;

    # weak: plain HTTP without redirect, version in Server, directory listing, /.git/HEAD,
    # /.env, /backup.sql, /admin/ login, a cookie without flags, the default page at /welcome/
    server {{
        listen {WEAK_ADDR}:80;
        server_tokens on;
        root {weak_root};
        location /files/ {{ autoindex on; }}
{weak_cookie}
    }}
    # weak: self-signed certificate, old protocols, no HSTS or security headers
    server {{
        listen {WEAK_ADDR}:443 ssl;
        server_tokens on;
        ssl_certificate {tls / "weak.crt"};
        ssl_certificate_key {tls / "weak.key"};
        ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
        ssl_ciphers DEFAULT:@SECLEVEL=0;
        root {weak_root};
        location /files/ {{ autoindex on; }}
{weak_cookie}
    }}
    # hardened: HTTP only redirects
    server {{
        listen {HARDENED_ADDR}:80;
        server_tokens off;
        return 301 https://{HARDENED_ADDR}$request_uri;
    }}
    # hardened: lab-CA certificate, TLS 1.2+, HSTS and security headers
    server {{
        listen {HARDENED_ADDR}:443 ssl;
        server_tokens off;
        ssl_certificate {tls / "hardened.crt"};
        ssl_certificate_key {tls / "hardened.key"};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20;
        ssl_prefer_server_ciphers on;
        root {hard_root};
{hardened_headers}
        location ~ /\\. {{ return 404; }}
        # add_header in a location drops the server's: the front page repeats them
        location = /index.html {{
{hardened_headers}
            add_header Set-Cookie "{hard_cookie}" always;
        }}
    }}
}}
"""
    cfg = _write(base / "nginx.conf", conf)
    return DaemonSpec(
        "nginx",
        ("/usr/sbin/nginx", "-e", "stderr", "-p", str(base), "-c", str(cfg), "-g", "daemon off;"),
    )


def _redis(state_dir: Path, variant: str, address: str, password: str | None) -> DaemonSpec:
    base = _mkdir(state_dir / f"redis-{variant}")
    data = _mkdir(base / "data", 0o750, owner="redis")
    auth = f"protected-mode yes\nrequirepass {password}\n" if password else "protected-mode no\n"
    conf = (
        f"# Generated by tests/lab/lab.py: redis on the {variant} host.\n"
        f"bind {address}\nport 6379\n{auth}"
        f'daemonize no\nsupervised no\ndir {data}\nlogfile ""\nsave ""\nappendonly no\n'
    )
    cfg = _write(base / "redis.conf", conf, mode=0o600, owner="redis")
    return DaemonSpec(
        f"redis-{variant}",
        ("setpriv", "--reuid=redis", "--regid=redis", "--init-groups", _REDIS, str(cfg)),
    )


def _inetd(state_dir: Path) -> DaemonSpec:
    base = _mkdir(state_dir / "inetd")
    cfg = _write(
        base / "inetd.conf",
        "# Generated by tests/lab/lab.py: telnet on the weak host only.\n"
        f"{WEAK_ADDR}:telnet stream tcp nowait root /usr/sbin/telnetd telnetd\n",
    )
    return DaemonSpec(
        "inetd",
        ("/usr/sbin/inetutils-inetd", "-d", "-p", str(base / "inetd.pid"), str(cfg)),
    )


def _vsftpd(state_dir: Path, variant: str, address: str) -> DaemonSpec:
    base = _mkdir(state_dir / f"vsftpd-{variant}")
    empty = _mkdir(base / "empty", 0o755)
    common = (
        f"listen=YES\nlisten_ipv6=NO\nlisten_address={address}\nlisten_port=21\n"
        "background=NO\nseccomp_sandbox=NO\nconnect_from_port_20=NO\n"
        f"secure_chroot_dir={empty}\npam_service_name=vsftpd\nwrite_enable=NO\n"
        "pasv_enable=YES\npasv_min_port=40000\npasv_max_port=40099\nsyslog_enable=NO\n"
        f"xferlog_enable=YES\nvsftpd_log_file={state_dir / 'logs' / f'vsftpd-{variant}-xfer.log'}\n"
    )
    if variant == "weak":
        anon = _mkdir(base / "anon", 0o755)
        _write(anon / "README.txt", "anonymous FTP on the weak lab host\n")
        specific = (
            f"anonymous_enable=YES\nno_anon_password=YES\nanon_root={anon}\n"
            "local_enable=YES\nssl_enable=NO\n"
        )
    else:
        tls = state_dir / "tls"
        specific = (
            "anonymous_enable=NO\nlocal_enable=YES\nssl_enable=YES\nallow_anon_ssl=NO\n"
            f"rsa_cert_file={tls / 'hardened.crt'}\nrsa_private_key_file={tls / 'hardened.key'}\n"
            "ssl_sslv2=NO\nssl_sslv3=NO\nssl_tlsv1=YES\nssl_ciphers=HIGH:!aNULL:!MD5\n"
            "force_local_logins_ssl=YES\nforce_local_data_ssl=YES\nrequire_ssl_reuse=NO\n"
        )
    cfg = _write(
        base / "vsftpd.conf",
        f"# Generated by tests/lab/lab.py: vsftpd on the {variant} host.\n{common}{specific}",
        mode=0o600,
    )
    return DaemonSpec(f"vsftpd-{variant}", ("/usr/sbin/vsftpd", str(cfg)))


def _mosquitto(state_dir: Path, variant: str, address: str, password: str | None) -> DaemonSpec:
    base = _mkdir(state_dir / f"mosquitto-{variant}")
    if password:
        pwfile = base / "passwd"
        pwfile.unlink(missing_ok=True)
        _run(
            ["mosquitto_passwd", "-c", "-b", str(pwfile), MQTT_USER, password],
            "mosquitto_passwd",
        )
        os.chmod(pwfile, 0o600)
        os.chown(pwfile, *_ids("mosquitto"))
        auth = f"allow_anonymous false\npassword_file {pwfile}\n"
    else:
        auth = "allow_anonymous true\n"
    cfg = _write(
        base / "mosquitto.conf",
        f"# Generated by tests/lab/lab.py: mosquitto on the {variant} host.\n"
        "per_listener_settings false\n"
        f"listener 1883 {address}\n{auth}"
        "user mosquitto\npersistence false\nlog_dest stdout\n"
        "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n",
    )
    return DaemonSpec(f"mosquitto-{variant}", ("/usr/sbin/mosquitto", "-c", str(cfg)))


def _snmpd(state_dir: Path, variant: str, address: str, community: str) -> DaemonSpec:
    base = _mkdir(state_dir / f"snmpd-{variant}")
    persist = _mkdir(base / "persist", 0o700, owner="Debian-snmp")
    if variant == "weak":
        access = (
            f"rocommunity {WEAK_SNMP_COMMUNITY} default\n"
            f"rwcommunity {WEAK_SNMP_RW_COMMUNITY} 127.0.0.0/8\n"
        )
    else:
        access = f"rocommunity {community} 127.0.0.0/8\n"
    cfg = _write(
        base / "snmpd.conf",
        f"# Generated by tests/lab/lab.py: snmpd on the {variant} host.\n"
        f"agentAddress udp:{address}:161\n{access}"
        f"sysName {variant}.lab\nsysLocation Inspection lab, {variant} host\n"
        "sysContact lab@lab.invalid\nsysServices 72\n",
        mode=0o600,
        owner="Debian-snmp",
    )
    env = dict(_DAEMON_ENV, SNMP_PERSISTENT_DIR=str(persist), MIBS="")
    return DaemonSpec(
        f"snmpd-{variant}",
        (
            *("/usr/sbin/snmpd", "-f", "-Lo", "-C", "-I", "-smux", "-c", str(cfg)),
            *("-u", "Debian-snmp", "-g", "Debian-snmp", "-p", str(base / "snmpd.pid")),
        ),
        env,
    )


def _sshd(state_dir: Path, variant: str, address: str) -> DaemonSpec:
    base = _mkdir(state_dir / f"sshd-{variant}")
    if variant == "weak":
        keys = [("ssh_host_rsa_key", "rsa", 1024), ("ssh_host_dsa_key", "dsa", 1024)]
        keys.append(("ssh_host_ed25519_key", "ed25519", 0))
        policy = (
            "PermitRootLogin yes\nPasswordAuthentication yes\nKbdInteractiveAuthentication no\n"
            "PubkeyAuthentication yes\nPermitEmptyPasswords no\nMaxAuthTries 10\n"
            "X11Forwarding yes\n"
            "KexAlgorithms +diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,"
            "diffie-hellman-group-exchange-sha1\n"
            "Ciphers +aes128-cbc,aes256-cbc,3des-cbc\n"
            "MACs +hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96\n"
            "HostKeyAlgorithms +ssh-rsa,ssh-dss\nPubkeyAcceptedAlgorithms +ssh-rsa\n"
        )
    else:
        keys = [("ssh_host_ed25519_key", "ed25519", 0)]
        policy = (
            "PermitRootLogin no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "PubkeyAuthentication yes\nAuthenticationMethods publickey\nPermitEmptyPasswords no\n"
            "MaxAuthTries 3\nLoginGraceTime 20\nX11Forwarding no\nAllowTcpForwarding no\n"
            "AllowAgentForwarding no\nDebianBanner no\n"
            "KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,"
            "curve25519-sha256@libssh.org\n"
            "Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,"
            "aes128-gcm@openssh.com,aes256-ctr,aes128-ctr\n"
            "MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
            "umac-128-etm@openssh.com\n"
            "HostKeyAlgorithms ssh-ed25519\n"
        )
    hostkeys = ""
    for fname, ktype, bits in keys:
        _ssh_key(base / fname, ktype, bits or None)
        hostkeys += f"HostKey {base / fname}\n"
    cfg = _write(
        base / "sshd_config",
        f"# Generated by tests/lab/lab.py: sshd on the {variant} host.\n"
        f"ListenAddress {address}:22\n{hostkeys}PidFile {base / 'sshd.pid'}\n"
        "UsePAM no\nPrintMotd no\nSubsystem sftp internal-sftp\n"
        f"{policy}",
    )
    _mkdir(Path("/run/sshd"), 0o755)
    return DaemonSpec(f"sshd-{variant}", ("/usr/sbin/sshd", "-D", "-e", "-f", str(cfg)))


_SETPRIV_NOBODY: Final = (
    "setpriv",
    "--reuid=nobody",
    "--regid=nogroup",
    "--clear-groups",
    "--inh-caps=-all,+net_bind_service",
    "--ambient-caps=-all,+net_bind_service",
    "--bounding-set=-all,+net_bind_service",
)


def _modbus_runtime(python: str) -> tuple[str, dict[str, str]]:
    """Which interpreter runs the Modbus server as nobody, and with which environment.

    ``python`` must import pymodbus. It is used as is if user nobody gets the same Python from
    it (same ``sys.base_prefix``). A pyenv interpreter under /root (mode 0700) does not qualify:
    then the system ``/usr/bin/python3`` runs the server, with the directory holding ``python``'s
    pymodbus (pure Python) on PYTHONPATH.
    """
    env = dict(_DAEMON_ENV, PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1")
    probe = (
        "import os, sys, pymodbus; open(os.__file__, 'rb').close(); "
        "print(pymodbus.__version__); print(sys.base_prefix); "
        "print(os.path.dirname(os.path.dirname(pymodbus.__file__)))"
    )

    def run_probe(argv: list[str], probe_env: Mapping[str, str]) -> list[str] | None:
        try:
            res = subprocess.run(
                [*argv, "-c", probe],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
                env=dict(probe_env),
            )
        except OSError:
            return None
        lines = res.stdout.splitlines()
        return lines if res.returncode == 0 and len(lines) == 3 else None

    mine = run_probe([python], dict(os.environ))
    if mine is None:
        venv = REPO_ROOT / ".venv" / "bin" / "python"
        hint = f" (the project's venv: --python {venv})" if venv.exists() else ""
        raise LabError(
            f"pymodbus is not importable by {python} (needed for the ot host's Modbus server):"
            f" install it with `{python} -m pip install pymodbus=={PYMODBUS_VERSION}`, or pass"
            f" --python with an interpreter that has it{hint}"
        )
    version, base_prefix, site_dir = mine
    if version != PYMODBUS_VERSION:
        _say(f"warning: pymodbus {version} found; the lab is known to work with {PYMODBUS_VERSION}")
    as_nobody = run_probe([*_SETPRIV_NOBODY, python], env)
    if as_nobody is not None and as_nobody[1] == base_prefix:
        return python, env
    system_python = "/usr/bin/python3"
    env = dict(env, PYTHONPATH=site_dir)
    if run_probe([*_SETPRIV_NOBODY, system_python], env) is None:
        raise LabError(
            f"user nobody cannot run {python} (is it under a directory only root can enter?),"
            f" nor {system_python} with pymodbus from {site_dir} (readable by nobody?)"
        )
    return system_python, env


def _modbus(python: str) -> DaemonSpec:
    interpreter, env = _modbus_runtime(python)
    return DaemonSpec(
        "modbus",
        (
            *_SETPRIV_NOBODY,
            interpreter,
            "-s",
            str(MODBUS_SERVER_SCRIPT),
            "--host",
            OT_ADDR,
            "--port",
            "502",
        ),
        env,
    )


# --------------------------------------------------------------------------------------------
# The tls host: its own nginx, one TLS weakness per port
# --------------------------------------------------------------------------------------------

_TLS_CA_CNF = """\
[ca]
default_ca = lab
[lab]
database = {base}/index.txt
new_certs_dir = {base}/newcerts
serial = {base}/serial
policy = anything
unique_subject = no
copy_extensions = none
[anything]
organizationName = optional
commonName = supplied
"""


@dataclass(frozen=True)
class TlsLabCert:
    """One certificate of the tls host. Dates are openssl ca's YYYYMMDDHHMMSSZ; empty dates mean
    "from yesterday to TLS_EXPIRING_DAYS from now" (the expiring certificate)."""

    cn: str
    san: str
    bits: int = 2048
    digest: str = "sha256"
    start: str = "20240101000000Z"
    end: str = "20390101000000Z"


#: The tls host's certificates by file name (STATE/tls-lab/NAME.crt), all signed by the lab CA.
TLS_LAB_CERTS: Final[Mapping[str, TlsLabCert]] = MappingProxyType(
    {
        "expired": TlsLabCert(
            TLS_ADDR, f"IP:{TLS_ADDR}", start="20200101000000Z", end="20210101000000Z"
        ),
        "notyet": TlsLabCert(
            TLS_ADDR, f"IP:{TLS_ADDR}", start="20400101000000Z", end="20410101000000Z"
        ),
        "legacy": TlsLabCert(TLS_ADDR, f"IP:{TLS_ADDR}", bits=1024, digest="sha1"),
        "mismatch": TlsLabCert("www.other.invalid", "DNS:www.other.invalid"),
        "expiring": TlsLabCert(TLS_ADDR, f"IP:{TLS_ADDR}", start="", end=""),
    }
)
#: The expiring certificate is made again at start when fewer days than this are left.
TLS_EXPIRING_MIN_DAYS: Final = 7
TLS_EXPIRING_DAYS: Final = 10


def _openssl_date(epoch: float) -> str:
    return time.strftime("%Y%m%d%H%M%SZ", time.gmtime(epoch))


def _cert_not_after(crt: Path) -> float:
    """notAfter of a PEM certificate, in seconds since the epoch (UTC)."""
    out = _run(["openssl", "x509", "-noout", "-enddate", "-in", str(crt)], "openssl x509 -enddate")
    stamp = out.strip().split("=", 1)[1]
    return float(calendar.timegm(time.strptime(stamp, "%b %d %H:%M:%S %Y %Z")))


def _tls_lab_certs(state_dir: Path) -> Path:
    """The tls host's certificates (STATE/tls-lab/NAME.{crt,key}), signed by the lab CA with
    ``openssl ca`` (explicit start and end dates). Kept across restarts; all made again when the
    lab CA changed, and the expiring one when fewer than TLS_EXPIRING_MIN_DAYS days are left."""
    base = _mkdir(state_dir / "tls-lab", 0o755)
    ca_pem, ca_key = state_dir / "ca.pem", state_dir / "tls" / "ca.key"
    seen_ca = base / "signed-by.pem"
    if not seen_ca.exists() or seen_ca.read_bytes() != ca_pem.read_bytes():
        for name in TLS_LAB_CERTS:
            (base / f"{name}.crt").unlink(missing_ok=True)
        _write(seen_ca, ca_pem.read_text(encoding="utf-8"))
    _mkdir(base / "newcerts", 0o700)
    index = base / "index.txt"
    if not index.exists():
        _write(index, "", mode=0o600)
    ca_cnf = _write(base / "ca.cnf", _TLS_CA_CNF.format(base=base))
    now = time.time()
    for name, spec in TLS_LAB_CERTS.items():
        crt, key = base / f"{name}.crt", base / f"{name}.key"
        start, end = spec.start, spec.end
        if not start:
            start, end = _openssl_date(now - 86400), _openssl_date(now + TLS_EXPIRING_DAYS * 86400)
            if crt.exists() and _cert_not_after(crt) < now + TLS_EXPIRING_MIN_DAYS * 86400:
                crt.unlink()
        if crt.exists() and key.exists():
            continue
        cnf = _write(
            base / f"{name}.cnf",
            _LEAF_CNF.format(address=spec.cn).replace(f"= IP:{spec.cn}", f"= {spec.san}"),
        )
        csr = base / f"{name}.csr"
        _run(
            [
                *("openssl", "req", "-new", "-newkey", f"rsa:{spec.bits}", "-nodes"),
                *("-config", str(cnf), "-keyout", str(key), "-out", str(csr)),
            ],
            f"openssl req ({name})",
        )
        _run(
            [
                *("openssl", "ca", "-batch", "-notext", "-preserveDN", "-rand_serial"),
                *("-config", str(ca_cnf), "-cert", str(ca_pem), "-keyfile", str(ca_key)),
                *("-md", spec.digest, "-startdate", start, "-enddate", end),
                *("-extfile", str(cnf), "-extensions", "v3_leaf"),
                *("-in", str(csr), "-out", str(crt)),
            ],
            f"openssl ca ({name})",
        )
        os.chmod(key, 0o600)
        os.chmod(crt, 0o644)
    return base


def _nginx_tls(state_dir: Path) -> DaemonSpec:
    """A second nginx, for the tls host only (its own config, pid and temp dirs)."""
    certs = _tls_lab_certs(state_dir)
    base = _mkdir(state_dir / "nginx-tls")
    tmp = _mkdir(base / "tmp")
    root = _mkdir(base / "html")
    _write(root / "index.html", "<html><body><h1>tls lab host</h1></body></html>\n")
    temps = "\n".join(
        f"    {kind}_temp_path {tmp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    modern = "ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20;"
    legacy = (
        "ssl_protocols TLSv1 TLSv1.1 TLSv1.2; "
        'ssl_ciphers "ECDHE+AESGCM:AES128-SHA:AECDH-AES128-SHA:NULL-SHA256:@SECLEVEL=0";'
    )
    servers = "\n".join(
        f"    server {{ listen {TLS_ADDR}:{port} ssl; "
        f"ssl_certificate {certs / f'{name}.crt'}; "
        f"ssl_certificate_key {certs / f'{name}.key'}; {protocols} }}"
        for port, name, protocols in (
            (443, "expired", modern),
            (8443, "notyet", modern),
            (9443, "legacy", legacy),
            (10443, "mismatch", modern),
            (11443, "expiring", modern),
        )
    )
    conf = f"""\
# Generated by tests/lab/lab.py: the tls host's own nginx, one TLS weakness per port.
user www-data;
worker_processes 1;
pid {base / "nginx.pid"};
error_log stderr notice;
events {{ worker_connections 256; }}
http {{
    default_type text/html;
    access_log off;
{temps}
    server_tokens off;
    root {root};
{servers}
}}
"""
    cfg = _write(base / "nginx.conf", conf)
    return DaemonSpec(
        "nginx-tls",
        ("/usr/sbin/nginx", "-e", "stderr", "-p", str(base), "-c", str(cfg), "-g", "daemon off;"),
    )


# --------------------------------------------------------------------------------------------
# Weak host extras: default-password redis, PostgreSQL, VNC (Xvnc), SMB (smbd)
# --------------------------------------------------------------------------------------------

WEAK_REDIS_DEFAULT_PASSWORD: Final = "foobared"  # the sample requirepass of redis.conf
XVNC_DISPLAY: Final = ":59"  # X display of the weak host's Xvnc (unix socket only, no X11 TCP)


def _redis_weak_6380(state_dir: Path) -> DaemonSpec:
    """A second redis on the weak host, port 6380, guarded by Redis's sample password."""
    base = _mkdir(state_dir / "redis-weak-6380")
    data = _mkdir(base / "data", 0o750, owner="redis")
    cfg = _write(
        base / "redis.conf",
        "# Generated by tests/lab/lab.py: redis with the sample password on the weak host.\n"
        f"bind {WEAK_ADDR}\nport 6380\nprotected-mode yes\n"
        f"requirepass {WEAK_REDIS_DEFAULT_PASSWORD}\n"
        f'daemonize no\nsupervised no\ndir {data}\nlogfile ""\nsave ""\nappendonly no\n',
        mode=0o600,
        owner="redis",
    )
    return DaemonSpec(
        "redis-weak-6380",
        ("setpriv", "--reuid=redis", "--regid=redis", "--init-groups", _REDIS, str(cfg)),
    )


def _postgres_bin() -> Path:
    """The newest installed PostgreSQL server's bin directory (Debian: /usr/lib/postgresql/N)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not found:
        raise LabError("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/postgres)")
    return found[-1].parent


def _postgres(state_dir: Path) -> DaemonSpec:
    """PostgreSQL on the weak host: TCP on its address only (no unix socket), ssl off, and
    any address may try a password. The cluster is made once (initdb) and kept."""
    pg_bin = _postgres_bin()
    base = _mkdir(state_dir / "postgres-weak")
    data = base / "data"
    as_postgres = ("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups")
    if not (data / "PG_VERSION").exists():
        if data.exists():
            subprocess.run(["rm", "-rf", "--", str(data)], check=True, timeout=60)
        _mkdir(data, 0o700, owner="postgres")
        _run(
            [
                *as_postgres,
                *(str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8"),
                *("--locale=C.UTF-8", "--auth-local=reject", "--auth-host=scram-sha-256"),
                "--no-instructions",
            ],
            "initdb (postgres-weak)",
        )
    _write(
        data / "pg_hba.conf",
        "# Generated by tests/lab/lab.py: weak host, any address may try a password.\n"
        "host all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n",
        mode=0o600,
        owner="postgres",
    )
    return DaemonSpec(
        "postgres-weak",
        (
            *as_postgres,
            *(str(pg_bin / "postgres"), "-D", str(data), "-p", "5432"),
            *("-c", f"listen_addresses={WEAK_ADDR}", "-c", "unix_socket_directories="),
            *("-c", "ssl=off", "-c", "logging_collector=off", "-c", "max_connections=20"),
            *("-c", "shared_buffers=16MB", "-c", "fsync=off"),
        ),
    )


def _xvnc(state_dir: Path) -> DaemonSpec:
    """TigerVNC's Xvnc on the weak host as nobody: RFB on WEAK_ADDR:5900 with no password;
    X11 only on its unix socket (no TCP), no IPv6."""
    _mkdir(state_dir / "xvnc-weak")
    xdir = Path("/tmp/.X11-unix")  # noqa: S108 - where every X server puts its unix sockets
    if xdir.is_symlink() or (xdir.exists() and not xdir.is_dir()):
        raise LabError(f"{xdir} is not a directory: Xvnc cannot create its socket")
    if not xdir.exists():  # as X wants it: root-owned, world-writable, sticky
        xdir.mkdir()
        os.chmod(xdir, 0o1777)  # noqa: S103 - X requires this mode
    return DaemonSpec(
        "xvnc-weak",
        (
            *("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"),
            *("/usr/bin/Xvnc", XVNC_DISPLAY, "-rfbport", "5900", "-interface", WEAK_ADDR),
            *("-SecurityTypes", "None", "-nolisten", "tcp", "-UseIPv6=0", "-geometry", "640x480"),
            *("-depth", "16", "-desktop", "weak lab host"),
            # Xvnc blacklists a client after 5 connections that end before authenticating
            # (scanner probes do exactly that): then it answers 'Too many security failures'.
            "-BlacklistThreshold=1000000",
        ),
    )


def _smbd(state_dir: Path) -> DaemonSpec:
    """Samba's smbd on the weak host: 445 on WEAK_ADDR only, every state dir under STATE."""
    base = _mkdir(state_dir / "smbd-weak")
    dirs = {
        key: _mkdir(base / key, 0o755)
        for key in ("lock", "state", "cache", "pid", "private", "ncalrpc", "share")
    }
    _write(dirs["share"] / "README.txt", "guest-readable share on the weak lab host\n")
    paths = "\n".join(
        f"  {key.replace('_', ' ')} {'directory' if key != 'private' else 'dir'} = {path}"
        for key, path in dirs.items()
        if key not in ("share", "ncalrpc")
    )
    cfg = _write(
        base / "smb.conf",
        "# Generated by tests/lab/lab.py: smbd on the weak host.\n"
        "[global]\n  workgroup = LAB\n  netbios name = LABWEAK\n"
        "  server role = standalone server\n"
        # smbd binds only addresses of an interface; IP/mask adds this one on lo's network
        f"  interfaces = {WEAK_ADDR}/8\n  bind interfaces only = yes\n"
        "  smb ports = 445\n  disable netbios = yes\n"
        f"{paths}\n  ncalrpc dir = {dirs['ncalrpc']}\n"
        f"  log file = {state_dir / 'logs' / 'smbd-weak.samba.log'}\n  max log size = 1000\n"
        "  load printers = no\n  printing = bsd\n  printcap name = /dev/null\n"
        "  disable spoolss = yes\n  map to guest = bad user\n"
        # no samba-dcerpcd (it would listen on other ports): RPC is not needed here
        "  rpc start on demand helpers = false\n"
        f"[public]\n  path = {dirs['share']}\n  guest ok = yes\n  read only = yes\n",
    )
    return DaemonSpec(
        "smbd-weak",
        ("/usr/sbin/smbd", "--foreground", "--no-process-group", "--debug-stdout", "-s", str(cfg)),
    )


# --------------------------------------------------------------------------------------------
# On-site hosts: their own /etc, /home, /root, /var/log in a mount namespace, sshd inside
# --------------------------------------------------------------------------------------------

#: The lab audit user on both on-site hosts (key STATE/keys/audit_ed25519, password locked "!").
AUDIT_USER: Final = "audit"
AUDIT_UID: Final = 2900  # also its group's gid; must be free in the real /etc/passwd
GUEST_UID: Final = 2901  # the weak host's "guest" (empty password hash, shell nologin)
ONSITE_MARKER: Final = "lab-host"  # /etc/lab-host in a host's copy holds the host's name

#: sshd settings of each on-site host (written to its /etc/ssh/sshd_config).
ONSITE_SSHD: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "onsite-weak": MappingProxyType(
            {
                "PermitRootLogin": "yes",
                "PasswordAuthentication": "yes",
                "PermitEmptyPasswords": "yes",
                "MaxAuthTries": "10",
                "X11Forwarding": "yes",
            }
        ),
        "onsite-hardened": MappingProxyType(
            {
                "PermitRootLogin": "no",
                "PasswordAuthentication": "no",
                "PermitEmptyPasswords": "no",
                "MaxAuthTries": "3",
                "X11Forwarding": "no",
                "AllowTcpForwarding": "no",
                "AllowAgentForwarding": "no",
                "LoginGraceTime": "30",
                # Modern algorithms only, like the hardened remote sshd (net.ssh-weak-algorithms
                # reports OpenSSH's stock SHA-1 and 64-bit-tag MACs).
                "KexAlgorithms": "sntrup761x25519-sha512@openssh.com,curve25519-sha256,"
                "curve25519-sha256@libssh.org",
                "Ciphers": "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,"
                "aes128-gcm@openssh.com",
                "MACs": "hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com",
            }
        ),
    }
)
#: /etc/login.defs values of each on-site host.
ONSITE_LOGIN_DEFS: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "onsite-weak": MappingProxyType(
            {"PASS_MAX_DAYS": "99999", "PASS_MIN_DAYS": "0", "PASS_WARN_AGE": "7"}
        ),
        "onsite-hardened": MappingProxyType(
            {"PASS_MAX_DAYS": "90", "PASS_MIN_DAYS": "1", "PASS_WARN_AGE": "14"}
        ),
    }
)
#: logrotate keeps this many weekly rotations (weak: 4 weeks; hardened: 26 weeks = 182 days).
ONSITE_LOG_ROTATE_WEEKS: Final[Mapping[str, int]] = MappingProxyType(
    {"onsite-weak": 4, "onsite-hardened": 26}
)
HARDENED_PWQUALITY: Final = (
    "minlen = 12\nminclass = 3\ndcredit = -1\nucredit = -1\nlcredit = -1\nocredit = -1\n"
    "maxrepeat = 3\ndictcheck = 1\nenforce_for_root\n"
)
_SYSLOG_FILES: Final = (
    "/var/log/syslog",
    "/var/log/auth.log",
    "/var/log/kern.log",
    "/var/log/daemon.log",
    "/var/log/messages",
)


def _mounts_under(path: Path) -> list[str]:
    """Mount points (in this process's mount namespace) at or below ``path``."""
    prefix = str(path)
    found = []
    for line in Path("/proc/self/mountinfo").read_text(encoding="utf-8").splitlines():
        point = line.split()[4].replace("\\040", " ")
        if point == prefix or point.startswith(prefix + "/"):
            found.append(point)
    return found


def _fresh_dir(path: Path, mode: int = 0o755) -> Path:
    """Remove ``path`` (never across a mount) and make it again, empty, with ``mode``."""
    if path.exists() or path.is_symlink():
        if mounted := _mounts_under(path):
            raise LabError(f"{path} has mounts in the lab's own namespace: {mounted}")
        _run(["rm", "-rf", "--one-file-system", "--", str(path)], f"rm -rf {path}")
    path.mkdir(parents=True)
    os.chmod(path, mode)
    return path


def _rewrite(path: Path, text: str) -> None:
    """Replace a file of a host's /etc copy, keeping its mode and owner (a new file: 0644)."""
    if path.is_symlink():
        raise LabError(f"{path} is a symlink: refusing to edit it")
    try:
        st = path.stat()
    except FileNotFoundError:
        _write(path, text)
        return
    _write(path, text, mode=st.st_mode & 0o7777)
    os.chown(path, st.st_uid, st.st_gid)


def _append(path: Path, *lines: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if text and not text.endswith("\n"):
        text += "\n"
    _rewrite(path, text + "".join(line + "\n" for line in lines))


def _set_keywords(path: Path, values: Mapping[str, str], sep: str = "\t") -> None:
    """Set ``KEY<sep>VALUE`` lines (login.defs style), replacing active lines, else appending."""
    out, seen = [], set()
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    for line in text.splitlines():
        words = line.split()
        if words and words[0] in values and not line.lstrip().startswith("#"):
            if words[0] not in seen:
                out.append(f"{words[0]}{sep}{values[words[0]]}")
                seen.add(words[0])
            continue
        out.append(line)
    out += [f"{k}{sep}{v}" for k, v in values.items() if k not in seen]
    _rewrite(path, "\n".join(out) + "\n")


def _onsite_keys(state_dir: Path) -> str:
    """The audit key pair (STATE/keys, kept), each on-site host's ed25519 host key (kept in
    STATE/hosts/NAME) and STATE/known_hosts; returns the audit public key line."""
    keys = _mkdir(state_dir / "keys", 0o700)
    _ssh_key(keys / "audit_ed25519", "ed25519")
    lines = []
    for name in ONSITE_SSHD:
        base = _mkdir(state_dir / "hosts" / name, 0o700)
        _ssh_key(base / "ssh_host_ed25519_key", "ed25519")
        ktype, blob = (base / "ssh_host_ed25519_key.pub").read_text().split()[:2]
        addr = LAB_HOSTS[name].address
        lines += [f"{addr} {ktype} {blob}", f"[{addr}]:22 {ktype} {blob}"]
    _write(state_dir / "known_hosts", "\n".join(lines) + "\n")
    return (keys / "audit_ed25519.pub").read_text().strip()


def _onsite_accounts(etc: Path, weak: bool, audit_pub: str, home: Path) -> None:
    """The lab audit user (both hosts), and on the weak host toor (UID 0) and guest (empty
    password hash)."""
    passwd = (etc / "passwd").read_text(encoding="utf-8")
    users = {line.split(":")[0] for line in passwd.splitlines() if line}
    uids = {line.split(":")[2] for line in passwd.splitlines() if line.count(":") >= 2}
    for user, uid in ((AUDIT_USER, AUDIT_UID), ("guest", GUEST_UID), ("toor", None)):
        if user in users or (uid is not None and str(uid) in uids):
            raise LabError(f"the system already has user {user} or UID {uid}: pick other ones")
    today = int(time.time() // 86400)
    max_days = 99999 if weak else 90
    pw = [f"{AUDIT_USER}:x:{AUDIT_UID}:{AUDIT_UID}:lab audit user:/home/{AUDIT_USER}:/bin/bash"]
    sh = [f"{AUDIT_USER}:!:{today}:0:{max_days}:7:::"]
    gr, gs = [f"{AUDIT_USER}:x:{AUDIT_UID}:"], [f"{AUDIT_USER}:!::"]
    if weak:
        pw += [
            "toor:x:0:0:lab extra root account:/root:/bin/sh",
            f"guest:x:{GUEST_UID}:{GUEST_UID}:lab guest:/home/guest:/usr/sbin/nologin",
        ]
        sh += [f"toor:!:{today}:0:99999:7:::", f"guest::{today}:0:99999:7:::"]
        gr.append(f"guest:x:{GUEST_UID}:")
        gs.append("guest:!::")
    _append(etc / "passwd", *pw)
    _append(etc / "shadow", *sh)
    _append(etc / "group", *gr)
    if (etc / "gshadow").exists():
        _append(etc / "gshadow", *gs)
    if not weak:  # the copied system accounts must not spoil the hardened host
        lines = (etc / "shadow").read_text(encoding="utf-8").splitlines()
        fixed = [
            ":".join([f[0], "!", *f[2:]]) if len(f) > 1 and f[1] == "" else line
            for line in lines
            for f in [line.split(":")]
        ]
        if fixed != lines:
            _rewrite(etc / "shadow", "\n".join(fixed) + "\n")
        extra_root = [
            line.split(":")[0]
            for line in (etc / "passwd").read_text(encoding="utf-8").splitlines()
            if line.count(":") >= 2 and line.split(":")[2] == "0" and not line.startswith("root:")
        ]
        if extra_root:
            raise LabError(f"the system's /etc/passwd has extra UID 0 accounts: {extra_root}")
    ssh_dir = _mkdir(home / AUDIT_USER / ".ssh", 0o700)
    _write(ssh_dir / "authorized_keys", audit_pub + "\n", mode=0o600)
    for path in (home / AUDIT_USER, ssh_dir, ssh_dir / "authorized_keys"):
        os.chown(path, AUDIT_UID, AUDIT_UID)
    os.chmod(home / AUDIT_USER, 0o750)  # noqa: S103 - group audit only
    if weak:
        guest = _mkdir(home / "guest", 0o755)
        os.chown(guest, GUEST_UID, GUEST_UID)


def _onsite_logging(etc: Path, varlog: Path, name: str, weak: bool) -> None:
    """logrotate (weekly; 4 or 26 rotations), journald storage, auditd config, /var/log."""
    weeks = ONSITE_LOG_ROTATE_WEEKS[name]
    logrotate_d = etc / "logrotate.d"
    if not weak:  # hardened: only the files written here, each keeping >= 180 days
        _fresh_dir(logrotate_d)
    _rewrite(
        etc / "logrotate.conf",
        f"# Generated by tests/lab/lab.py ({name}).\nweekly\nrotate {weeks}\ncreate\n"
        "include /etc/logrotate.d\n",
    )
    _rewrite(
        logrotate_d / "rsyslog",
        "\n".join(_SYSLOG_FILES)
        + f"\n{{\n\tweekly\n\trotate {weeks}\n\tmissingok\n\tnotifempty\n\tcompress\n"
        "\tdelaycompress\n\tsharedscripts\n}\n",
    )
    storage = "volatile" if weak else "persistent"
    _rewrite(
        etc / "systemd" / "journald.conf",
        f"# Generated by tests/lab/lab.py ({name}).\n[Journal]\nStorage={storage}\n",
    )
    for fname, mode in (("wtmp", 0o664), ("btmp", 0o660), ("lastlog", 0o664)):
        _write(varlog / fname, "", mode=mode)
        with contextlib.suppress(KeyError):
            os.chown(varlog / fname, 0, grp.getgrnam("utmp").gr_gid)
    if weak:
        _fresh_dir(etc / "audit")
        (etc / "audit").rmdir()
        return
    journal = _mkdir(varlog / "journal", 0o2755)
    with contextlib.suppress(KeyError):
        os.chown(journal, 0, grp.getgrnam("systemd-journal").gr_gid)
    _mkdir(varlog / "audit", 0o700)
    audit = _mkdir(etc / "audit", 0o750)
    _write(
        audit / "auditd.conf",
        "# Generated by tests/lab/lab.py (onsite-hardened).\nlocal_events = yes\n"
        "write_logs = yes\nlog_file = /var/log/audit/audit.log\nlog_group = root\n"
        "log_format = ENRICHED\nflush = INCREMENTAL_ASYNC\nfreq = 50\nmax_log_file = 50\n"
        "num_logs = 10\nmax_log_file_action = keep_logs\nspace_left_action = email\n"
        "admin_space_left_action = halt\ndisk_full_action = halt\ndisk_error_action = halt\n",
        mode=0o640,
    )
    _write(
        _mkdir(audit / "rules.d", 0o750) / "lab.rules",
        "# Generated by tests/lab/lab.py (onsite-hardened).\n-D\n-b 8192\n"
        "-w /etc/passwd -p wa -k identity\n-w /etc/shadow -p wa -k identity\n"
        "-w /etc/group -p wa -k identity\n-w /etc/sudoers -p wa -k scope\n"
        "-w /etc/ssh/sshd_config -p wa -k sshd\n-w /var/log/lastlog -p wa -k logins\n",
        mode=0o640,
    )


#: The hardened host's boot-time firewall (host.firewall-inactive reads it; the lab never loads
#: it: the on-site hosts share this machine's network namespace and its live ruleset).
HARDENED_NFTABLES: Final = """#!/usr/sbin/nft -f
# Generated by tests/lab/lab.py (onsite-hardened): drop unsolicited input, allow SSH.
flush ruleset

table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		iif "lo" accept
		ct state established,related accept
		ct state invalid drop
		meta l4proto { icmp, ipv6-icmp } accept
		tcp dport 22 accept
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
	}
	chain output {
		type filter hook output priority filter; policy accept;
	}
}
"""
_FIREWALL_UNITS: Final = ("nftables.service", "ufw.service", "firewalld.service")


def _onsite_firewall(etc: Path, weak: bool) -> None:
    """No firewall configured on the weak host (what the copy inherited goes); on the hardened
    host an nftables.conf with a default-drop input chain, enabled at boot (the link that
    ``systemctl enable nftables`` makes)."""
    for link in (etc / "systemd" / "system").glob("*.wants/*"):
        if link.name in _FIREWALL_UNITS:
            link.unlink()
    (etc / "nftables.conf").unlink(missing_ok=True)
    (etc / "ufw" / "ufw.conf").unlink(missing_ok=True)
    if weak:
        return
    _write(etc / "nftables.conf", HARDENED_NFTABLES, mode=0o755)
    wants = _mkdir(etc / "systemd" / "system" / "sysinit.target.wants")
    (wants / "nftables.service").symlink_to("/lib/systemd/system/nftables.service")


#: The on-site hosts' only apt source: a security suite whose lists the lab writes itself
#: (bind-mounted over /var/lib/apt/lists). apt only simulates there; nothing is ever fetched.
ONSITE_APT_SOURCE: Final = (
    "deb [trusted=yes] http://security.lab.invalid/debian-security bookworm-security main"
)
_ONSITE_APT_LIST: Final = "security.lab.invalid_debian-security_dists_bookworm-security"
#: An installed package (in DEBIAN_PACKAGES) whose newer version the weak host's suite offers:
#: installed version + this suffix (host.pending-security-updates finds exactly one update).
ONSITE_APT_PACKAGE: Final = "netbase"
ONSITE_APT_BUMP: Final = "+lab1"
_APT_FIELDS: Final = (
    "Version",
    "Architecture",
    "Multi-Arch",
    "Installed-Size",
    "Maintainer",
    "Pre-Depends",
    "Depends",
    "Conflicts",
    "Breaks",
    "Replaces",
    "Provides",
)


def _onsite_apt(base: Path, etc: Path, weak: bool) -> Path:
    """The host's apt sources (the lab's security suite only) and package lists; returns the
    lists folder to mount over /var/lib/apt/lists. The weak host's suite offers
    ONSITE_APT_PACKAGE at its installed version + ONSITE_APT_BUMP, the hardened host's at the
    installed version (nothing to upgrade)."""
    # The installed package's own fields: apt tells versions apart by these as well as by the
    # version string, so the hardened host's copy is the installed version itself.
    query = ["dpkg-query", "-W", "-f", "".join(f"${{{f}}}\\n" for f in _APT_FIELDS)]
    out = _run([*query, ONSITE_APT_PACKAGE], f"dpkg-query {ONSITE_APT_PACKAGE}").split("\n")
    installed = dict(zip(_APT_FIELDS, out, strict=False))
    version = installed["Version"]
    arch = _run(["dpkg", "--print-architecture"], "dpkg --print-architecture").strip()
    (etc / "apt" / "sources.list").unlink(missing_ok=True)
    parts = _fresh_dir(etc / "apt" / "sources.list.d")
    _write(parts / "lab-security.list", f"# Generated by tests/lab/lab.py.\n{ONSITE_APT_SOURCE}\n")
    lists = _fresh_dir(base / "apt-lists")
    _mkdir(lists / "partial", 0o700)
    _write(
        lists / f"{_ONSITE_APT_LIST}_Release",
        "Origin: Debian\nLabel: Debian-Security\nSuite: bookworm-security\n"
        f"Codename: bookworm-security\nVersion: 12\n"
        f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S UTC', time.gmtime())}\n"
        f"Architectures: {arch} all\nComponents: main\n"
        "Description: lab security suite (tests/lab/lab.py; never fetched)\n",
    )
    installed["Version"] = version + ONSITE_APT_BUMP if weak else version
    stanza = f"Package: {ONSITE_APT_PACKAGE}\n"
    stanza += "".join(f"{k}: {v}\n" for k, v in installed.items() if v.strip())
    _write(
        lists / f"{_ONSITE_APT_LIST}_main_binary-{arch}_Packages",
        f"{stanza}Section: admin\nPriority: optional\n"
        f"Filename: pool/main/lab/{ONSITE_APT_PACKAGE}_{installed['Version']}.deb\n"
        "Size: 1000\nDescription: lab fixture (tests/lab/lab.py)\n never downloaded\n\n",
    )
    return lists


#: The PAM line that loads pam_pwquality on the hardened host (written into its copy of
#: /etc/pam.d/common-password as pam-auth-update would; libpam-pwquality itself need not be
#: installed: only password changes would use it, and nothing changes a password in the lab).
HARDENED_PAM_PWQUALITY: Final = "password\trequisite\t\t\tpam_pwquality.so retry=3"
_TIME_UNITS: Final = (
    "systemd-timesyncd.service",
    "dbus-org.freedesktop.timesync1.service",
    "chrony.service",
    "chronyd.service",
    "ntp.service",
    "ntpd.service",
    "ntpsec.service",
    "openntpd.service",
)


def _onsite_pam(etc: Path, weak: bool) -> None:
    """pam_pwquality on the hardened host's password stack (before pam_unix), none on the weak
    host (it also has no pwquality.conf: see _onsite_etc)."""
    pam = etc / "pam.d" / "common-password"
    lines = [
        line
        for line in pam.read_text(encoding="utf-8").splitlines()
        if "pam_pwquality" not in line and "pam_cracklib" not in line
    ]
    if weak:
        _fresh_dir(etc / "security" / "pwquality.conf.d")
        (etc / "security" / "pwquality.conf.d").rmdir()
    else:
        first = next(
            i for i, line in enumerate(lines) if line.startswith("password") and "pam_unix" in line
        )
        lines.insert(first, HARDENED_PAM_PWQUALITY)
    _rewrite(pam, "\n".join(lines) + "\n")


def _onsite_timesync(etc: Path, weak: bool) -> None:
    """No time synchronisation on the weak host (the enablement links and NTP daemon configs
    the copy inherited go); on the hardened host systemd-timesyncd with NTP=127.0.0.1, enabled
    (the link ``systemctl enable systemd-timesyncd`` makes). No timesyncd runs in the lab."""
    system = etc / "systemd" / "system"
    for link in [*system.glob("*.wants/*"), *system.glob("*.service")]:
        if link.name in _TIME_UNITS and link.is_symlink():
            link.unlink()
    for rc in etc.glob("rc[2345].d/S*"):
        if rc.name.lstrip("S0123456789") in ("chrony", "ntp", "ntpsec", "openntpd"):
            rc.unlink()
    for conf in ("chrony", "ntpsec", "openntpd"):
        if (etc / conf).exists():
            _fresh_dir(etc / conf)
            (etc / conf).rmdir()
    for conf in ("chrony.conf", "ntp.conf", "ntpd.conf"):
        (etc / conf).unlink(missing_ok=True)
    if weak:
        return
    _rewrite(
        etc / "systemd" / "timesyncd.conf",
        "# Generated by tests/lab/lab.py (onsite-hardened).\n[Time]\nNTP=127.0.0.1\n",
    )
    wants = _mkdir(system / "sysinit.target.wants")
    (wants / "systemd-timesyncd.service").symlink_to(
        "/lib/systemd/system/systemd-timesyncd.service"
    )


def _onsite_syslog(etc: Path, weak: bool) -> None:
    """No syslog daemon configuration on the weak host (as if none were installed; it keeps
    only a volatile journal); the hardened host keeps what the copy inherited."""
    if not weak:
        return
    for conf in ("rsyslog.conf", "syslog.conf"):
        (etc / conf).unlink(missing_ok=True)
    for folder in ("rsyslog.d", "syslog-ng"):
        if (etc / folder).exists():
            _fresh_dir(etc / folder)
            (etc / folder).rmdir()


def _onsite_etc(state_dir: Path, name: str, audit_pub: str) -> dict[str, Path]:
    """Make the host's copies of /etc (from the real one), /home, /root and /var/log (and
    /usr/local/sbin on the weak host) under STATE/hosts/NAME; return {mount point: source}."""
    host = LAB_HOSTS[name]
    weak = name == "onsite-weak"
    base = state_dir / "hosts" / name  # 0700: only root reaches the copies from outside
    etc = base / "etc"
    _fresh_dir(etc)
    etc.rmdir()
    _run(["cp", "-a", "--", "/etc", str(etc)], f"cp -a /etc ({name})")
    home = _fresh_dir(base / "home", 0o755)
    root = _fresh_dir(base / "root", 0o700)
    varlog = _fresh_dir(base / "var-log", 0o755)
    # identity: hostname, hosts, machine-id (kept), the marker the lab waits for
    _rewrite(etc / "hostname", f"{name}\n")
    _rewrite(
        etc / "hosts",
        f"127.0.0.1\tlocalhost\n{host.address}\t{name}\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\n",
    )
    machine_id = base / "machine-id"
    if not machine_id.exists():
        _write(machine_id, secrets.token_hex(16) + "\n")
    _rewrite(etc / "machine-id", machine_id.read_text())
    # sshd: its own ed25519 host key (kept in STATE/hosts/NAME), none of the real host's keys
    ssh = etc / "ssh"
    for old in ssh.glob("ssh_host_*"):
        old.unlink()
    key = base / "ssh_host_ed25519_key"
    _write(ssh / key.name, key.read_text(), mode=0o600)
    _write(ssh / (key.name + ".pub"), key.with_suffix(".pub").read_text(), mode=0o644)
    settings = "".join(f"{k} {v}\n" for k, v in ONSITE_SSHD[name].items())
    _rewrite(
        ssh / "sshd_config",
        f"# Generated by tests/lab/lab.py: sshd of the on-site host {name} ({host.address}).\n"
        f"ListenAddress {host.address}:22\nHostKey /etc/ssh/{key.name}\nPidFile none\n"
        "UsePAM yes\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n"
        "PrintMotd no\nAcceptEnv LANG LC_*\nSubsystem sftp /usr/lib/openssh/sftp-server\n"
        f"{settings}",
    )
    _onsite_accounts(etc, weak, audit_pub, home)
    _set_keywords(etc / "login.defs", ONSITE_LOGIN_DEFS[name])
    pwquality = etc / "security" / "pwquality.conf"
    if weak:
        pwquality.unlink(missing_ok=True)
    else:
        _rewrite(pwquality, f"# Generated by tests/lab/lab.py ({name}).\n{HARDENED_PWQUALITY}")
    _onsite_logging(etc, varlog, name, weak)
    if Path("/usr/bin/sudo").exists() and (etc / "sudoers").exists():
        _write(
            etc / "sudoers.d" / AUDIT_USER,
            f"# Generated by tests/lab/lab.py: the lab audit user may run commands as root.\n"
            f"{AUDIT_USER} ALL=(root) NOPASSWD: ALL\n",
            mode=0o440,
        )
    _onsite_firewall(etc, weak)
    _onsite_pam(etc, weak)
    _onsite_timesync(etc, weak)
    _onsite_syslog(etc, weak)
    mounts = {"/home": home, "/root": root, "/var/log": varlog}
    mounts["/var/lib/apt/lists"] = _onsite_apt(base, etc, weak)
    if weak:
        _write(
            etc / "lab-world-writable.conf",
            "# lab fixture: a world-writable configuration file\n",
            mode=0o666,
        )
        sbin = _fresh_dir(base / "usr-local-sbin", 0o755)
        # an unusual SUID-root binary; a copy of id (prints, runs nothing), not of a shell or env
        _run(["cp", "--", "/usr/bin/id", str(sbin / "lab-suid")], "cp /usr/bin/id")
        os.chmod(sbin / "lab-suid", 0o4755)  # noqa: S103 - the weakness this host shows
        mounts["/usr/local/sbin"] = sbin
    else:
        for dirpath, dirnames, filenames in os.walk(etc):
            for entry in (*dirnames, *filenames):
                path = os.path.join(dirpath, entry)
                st = os.lstat(path)
                if st.st_mode & 0o002 and not os.path.islink(path):
                    os.chmod(path, st.st_mode & 0o7775)
    _write(etc / ONSITE_MARKER, f"{name}\n")
    mounts["/etc"] = etc  # last: the marker shows every mount is up
    return mounts


#: The stdlib TCP server behind ONSITE_EXTRA_PORT (run as nobody; sends one line and closes).
_EXTRA_LISTENER: Final = """import os, socket, sys
server = socket.create_server((sys.argv[1], int(sys.argv[2])))
os.setgroups([])
os.setgid(int(sys.argv[4]))
os.setuid(int(sys.argv[3]))
while True:
    conn, _ = server.accept()
    try:
        conn.sendall(b"lab extra listener\\r\\n")
    except OSError:
        pass
    conn.close()
"""


def _onsite(state_dir: Path, name: str, audit_pub: str) -> list[DaemonSpec]:
    """The anchor process (own mount and UTS namespaces: the host's copies bind-mounted over
    /etc, /home, /root, /var/log, /var/lib/apt/lists, its hostname) and the host's sshd,
    started inside it (and on the weak host an extra listener on ONSITE_EXTRA_PORT)."""
    mounts = _onsite_etc(state_dir, name, audit_pub)
    script = "set -e\n" + f"hostname {name}\n"
    script += "".join(f"mount --bind {shlex.quote(str(s))} {d}\n" for d, s in mounts.items())
    script += "exec sleep infinity\n"
    anchor = DaemonSpec(
        f"anchor-{name}",
        ("unshare", "--mount", "--uts", "--propagation", "private", "--", "/bin/sh", "-c", script),
    )
    cfg = state_dir / "hosts" / name / "etc" / "ssh" / "sshd_config"
    sshd = DaemonSpec(
        f"sshd-{name}", ("/usr/sbin/sshd", "-D", "-e", "-f", str(cfg)), enter_ns=anchor.name
    )
    if name != "onsite-weak":
        return [anchor, sshd]
    uid, gid = _ids("nobody", "nogroup")
    addr, port = LAB_HOSTS[name].address, str(ONSITE_EXTRA_PORT)
    listener = DaemonSpec(
        f"listener-{name}",
        ("/usr/bin/python3", "-c", _EXTRA_LISTENER, addr, port, str(uid), str(gid)),
        enter_ns=anchor.name,
    )
    return [anchor, sshd, listener]


def onsite_namespace_ready(anchor: ProcessRecord) -> bool:
    """True if the anchor lives and its mount namespace shows the host's /etc (the marker)."""
    name = anchor.name.removeprefix("anchor-")
    try:
        marker = Path(f"/proc/{anchor.pid}/root/etc/{ONSITE_MARKER}").read_text(encoding="utf-8")
    except OSError:
        return False
    return marker.strip() == name and anchor.alive()


def _enter_namespace(
    spec: DaemonSpec, records: Sequence[ProcessRecord], state_dir: Path, timeout: float
) -> DaemonSpec:
    """``spec`` run through nsenter in its anchor's namespaces, once the anchor's mounts are up."""
    anchor = next(r for r in records if r.name == spec.enter_ns)
    deadline = time.monotonic() + timeout
    while not onsite_namespace_ready(anchor):
        if not anchor.alive() or time.monotonic() > deadline:
            raise LabError(
                f"{anchor.name} (pid {anchor.pid}) did not set up its namespace:\n"
                + _log_tail(state_dir / "logs" / f"{anchor.name}.log")
            )
        time.sleep(0.01)
    argv = ("nsenter", "-t", str(anchor.pid), "-m", "-u", "--", *spec.argv)
    return DaemonSpec(spec.name, argv, spec.env)


def _prepare(state_dir: Path, python: str) -> list[DaemonSpec]:
    """Write every config, key and secret under ``state_dir``; return the daemons to start."""
    _mkdir(state_dir / "logs", 0o755)
    sec = _mkdir(state_dir / "secrets", 0o700)
    _make_tls(state_dir)
    redis_pw = _secret(sec / "redis-hardened.password")
    mqtt_pw = _secret(sec / "mqtt-hardened.password")
    community = _secret(sec / "snmp-hardened.community", "hex")
    audit_pub = _onsite_keys(state_dir)
    return [
        _nginx(state_dir),
        _redis(state_dir, "weak", WEAK_ADDR, None),
        _redis(state_dir, "hardened", HARDENED_ADDR, redis_pw),
        _inetd(state_dir),
        _vsftpd(state_dir, "weak", WEAK_ADDR),
        _vsftpd(state_dir, "hardened", HARDENED_ADDR),
        _mosquitto(state_dir, "weak", WEAK_ADDR, None),
        _mosquitto(state_dir, "hardened", HARDENED_ADDR, mqtt_pw),
        _snmpd(state_dir, "weak", WEAK_ADDR, WEAK_SNMP_COMMUNITY),
        _snmpd(state_dir, "hardened", HARDENED_ADDR, community),
        _sshd(state_dir, "weak", WEAK_ADDR),
        _sshd(state_dir, "hardened", HARDENED_ADDR),
        _modbus(python),
        _redis_weak_6380(state_dir),
        _postgres(state_dir),
        _xvnc(state_dir),
        _smbd(state_dir),
        _nginx_tls(state_dir),
        *_onsite(state_dir, "onsite-weak", audit_pub),
        *_onsite(state_dir, "onsite-hardened", audit_pub),
    ]


def _check_traversable(state_dir: Path) -> None:
    """The daemons' users must reach the state dir: every existing ancestor needs o+x."""
    for parent in state_dir.resolve().parents:
        if parent.exists() and not parent.stat().st_mode & 0o001:
            raise LabError(
                f"{parent} is not traversable by other users (mode"
                f" {oct(parent.stat().st_mode & 0o777)}): the lab's daemons run as redis,"
                " www-data, mosquitto, Debian-snmp and nobody; pick another --state-dir"
            )


# --------------------------------------------------------------------------------------------
# Protocol probes (readiness, status; tests use them too)
# --------------------------------------------------------------------------------------------


def tcp_accepts(address: str, port: int, timeout: float = 0.3) -> bool:
    """True if ``address:port`` accepts a TCP connection."""
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False


def _ber(tag: int, payload: bytes) -> bytes:
    n = len(payload)
    if n < 0x80:
        return bytes([tag, n]) + payload
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + payload


def _ber_int(value: int) -> bytes:
    return _ber(0x02, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def _ber_oid(oid: str) -> bytes:
    parts = [int(p) for p in oid.split(".")]
    out = bytearray([40 * parts[0] + parts[1]])
    for part in parts[2:]:
        chunk, rest = [part & 0x7F], part >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        out.extend(reversed(chunk))
    return _ber(0x06, bytes(out))


def _ber_read(data: bytes, pos: int = 0) -> tuple[int, bytes, int]:
    """(tag, value, next position) of the TLV at ``pos``."""
    if pos + 2 > len(data):
        raise LabError("truncated BER")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first & 0x80:
        nbytes = first & 0x7F
        length = int.from_bytes(data[pos : pos + nbytes], "big")
        pos += nbytes
    else:
        length = first
    if pos + length > len(data):
        raise LabError("truncated BER")
    return tag, data[pos : pos + length], pos + length


def snmp_get(
    address: str,
    community: str,
    oid: str = SYSDESCR_OID,
    timeout: float = 1.0,
    port: int = 161,
) -> bytes | None:
    """SNMPv2c GET of one OID; the value bytes, or None if no answer came (wrong community:
    snmpd stays silent) or the agent reported an error."""
    req_id = secrets.randbelow(2**31 - 1)
    varbind = _ber(0x30, _ber(0x30, _ber_oid(oid) + b"\x05\x00"))
    pdu = _ber(0xA0, _ber_int(req_id) + _ber_int(0) + _ber_int(0) + varbind)
    msg = _ber(0x30, _ber_int(1) + _ber(0x04, community.encode()) + pdu)
    deadline = time.monotonic() + timeout
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(msg, (address, port))
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            try:
                data, _peer = sock.recvfrom(65535)
            except (TimeoutError, ConnectionRefusedError):
                return None
            _tag, body, _ = _ber_read(data)
            pos = _ber_read(body, 0)[2]  # version
            pos = _ber_read(body, pos)[2]  # community
            ptag, pbody, _ = _ber_read(body, pos)
            _t, rid, p = _ber_read(pbody)
            if ptag != 0xA2 or int.from_bytes(rid, "big", signed=True) != req_id:
                continue
            _t, err, p = _ber_read(pbody, p)
            p = _ber_read(pbody, p)[2]  # error index
            _t, vblist, _ = _ber_read(pbody, p)
            _t, vb, _ = _ber_read(vblist)
            _t, _oid, vp = _ber_read(vb)
            vtag, value, _ = _ber_read(vb, vp)
            if int.from_bytes(err, "big") != 0 or vtag in (0x80, 0x81, 0x82):
                return None
            return value
    return None


def _endpoint_ready(host: Host, svc: Service, state_dir: Path) -> bool:
    if svc.protocol == "tcp":
        return tcp_accepts(host.address, svc.port)
    community = (
        WEAK_SNMP_COMMUNITY
        if host.name == "weak"
        else (state_dir / "secrets" / "snmp-hardened.community").read_text().strip()
    )
    return snmp_get(host.address, community, timeout=0.3) is not None


def _endpoints() -> list[tuple[Host, Service]]:
    return [(h, s) for h in LAB_HOSTS.values() for s in h.services]


# --------------------------------------------------------------------------------------------
# State file
# --------------------------------------------------------------------------------------------


def _save_state(state_dir: Path, records: Sequence[ProcessRecord], python: str) -> None:
    doc = {
        "version": 1,
        "python": python,
        "processes": [
            {"name": r.name, "pid": r.pid, "starttime": r.starttime, "argv": list(r.argv)}
            for r in records
        ],
    }
    _write(state_dir / STATE_FILE, json.dumps(doc, indent=2) + "\n", mode=0o644)


def load_state(state_dir: Path | str = DEFAULT_STATE_DIR) -> LabState | None:
    """The recorded lab in ``state_dir`` (alive or not), or None if nothing is recorded."""
    path = Path(state_dir) / STATE_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise LabError(f"unreadable {path}: {exc}") from exc
    records = tuple(
        ProcessRecord(p["name"], int(p["pid"]), int(p["starttime"]), tuple(p["argv"]))
        for p in doc.get("processes", [])
    )
    return LabState(Path(state_dir), records, str(doc.get("python", "")))


def is_running(state_dir: Path | str = DEFAULT_STATE_DIR) -> bool:
    """True if every process recorded in ``state_dir`` is alive (PID and start time match)."""
    state = load_state(state_dir)
    return state is not None and state.all_alive()


# --------------------------------------------------------------------------------------------
# start / stop
# --------------------------------------------------------------------------------------------


def _require_root() -> None:
    if os.geteuid() != 0:
        raise LabError("the lab must run as root (daemons bind ports < 1024 and switch users)")


def _spawn(spec: DaemonSpec, log_path: Path, cwd: Path) -> ProcessRecord:
    with open(log_path, "wb") as log:
        try:
            child = subprocess.Popen(
                list(spec.argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
                env=dict(spec.env),
                cwd=cwd,
            )
        except OSError as exc:
            raise LabError(f"cannot start {spec.name}: {exc}") from exc
    _CHILDREN[child.pid] = child
    starttime = proc_starttime(child.pid)
    if starttime is None:  # exited at once; keep a record that can never match
        starttime = -1
    return ProcessRecord(spec.name, child.pid, starttime, spec.argv)


def start(
    state_dir: Path | str = DEFAULT_STATE_DIR,
    *,
    python: str | None = None,
    timeout: float = START_TIMEOUT,
) -> LabState:
    """Start the whole lab (idempotent) and wait until every service answers.

    Raises LabError (after stopping whatever it started) if a daemon does not come up in time.
    """
    _require_root()
    state_dir = Path(state_dir).resolve()
    _check_traversable(state_dir)
    _mkdir(state_dir, 0o755)
    with _locked(state_dir):
        return _start(state_dir, os.path.abspath(python or sys.executable), timeout)


def _start(state_dir: Path, python: str, timeout: float) -> LabState:
    previous = load_state(state_dir)
    if previous is not None:
        if previous.all_alive():
            return LabState(state_dir, previous.processes, previous.python, already_running=True)
        _say("recorded lab is partly down: stopping what is left, then starting afresh")
        _stop(state_dir, STOP_TIMEOUT)
    busy = [f"{h.address}:{s.port}" for h, s in _endpoints() if s.protocol == "tcp"]
    busy = [ep for ep in busy if tcp_accepts(*_split(ep), timeout=0.2)]
    if busy:
        raise LabError(
            f"lab ports already answer before start: {', '.join(busy)} (a system daemon on"
            " 0.0.0.0, or a lab started with another --state-dir?)"
        )
    specs = _prepare(state_dir, python)
    records: list[ProcessRecord] = []
    try:
        for planned in specs:
            spec = (
                _enter_namespace(planned, records, state_dir, timeout)
                if planned.enter_ns
                else planned
            )
            records.append(_spawn(spec, state_dir / "logs" / f"{spec.name}.log", state_dir))
            _save_state(state_dir, records, python)
        _wait_ready(state_dir, records, timeout)
    except BaseException:
        if records:
            _stop(state_dir, STOP_TIMEOUT)
        raise
    return LabState(state_dir, tuple(records), python)


@contextlib.contextmanager
def _locked(state_dir: Path, timeout: float = 60.0) -> Iterator[None]:
    """Serialise start/stop of one state dir between processes (flock on STATE/.lock)."""
    fd = os.open(state_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LabError(f"another lab.py holds {state_dir / '.lock'}") from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)


def _split(endpoint: str) -> tuple[str, int]:
    addr, port = endpoint.rsplit(":", 1)
    return addr, int(port)


def _wait_ready(state_dir: Path, records: Sequence[ProcessRecord], timeout: float) -> None:
    pending = _endpoints()
    deadline = time.monotonic() + timeout
    dead: list[ProcessRecord] = []
    while pending and time.monotonic() < deadline:
        pending = [(h, s) for h, s in pending if not _endpoint_ready(h, s, state_dir)]
        dead = [r for r in records if not r.alive()]
        if dead:
            break
        if pending:
            time.sleep(0.05)
    if not pending and not dead:
        return
    lines = ["lab did not come up:"]
    for rec in dead:
        lines.append(f"  process {rec.name} (pid {rec.pid}) exited")
    for host, svc in pending:
        lines.append(
            f"  {host.name} {host.address}:{svc.port}/{svc.protocol} ({svc.name}) not ready"
        )
    for name in dict.fromkeys([r.name for r in dead] + [s.daemon for _h, s in pending]):
        lines.append(f"  --- tail of logs/{name}.log ---")
        lines.append(_log_tail(state_dir / "logs" / f"{name}.log"))
    raise LabError("\n".join(lines))


def _signal(pid: int, starttime: int, sig: signal.Signals) -> None:
    if proc_starttime(pid) == starttime:  # re-check right before signalling
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def _wait_gone(procs: Iterable[tuple[int, int]], timeout: float) -> list[tuple[int, int]]:
    left = list(procs)
    deadline = time.monotonic() + timeout
    while left:
        left = [(p, st) for p, st in left if _is_alive(p, st)]
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    return left


def stop(state_dir: Path | str = DEFAULT_STATE_DIR, timeout: float = STOP_TIMEOUT) -> None:
    """Stop every recorded process (and its descendants) and remove ``state.json``.

    A PID is signalled only while its start time matches what was recorded or observed.
    """
    _require_root()
    state_dir = Path(state_dir).resolve()
    if not (state_dir / STATE_FILE).exists():
        return
    with _locked(state_dir):
        _stop(state_dir, timeout)


def _stop(state_dir: Path, timeout: float) -> None:
    state = load_state(state_dir)
    if state is None:
        return
    members = lab_processes(state)  # snapshot before the tree comes apart
    leaders = [(r.pid, r.starttime) for r in state.processes if r.alive()]
    for pid, st in leaders:
        _signal(pid, st, signal.SIGTERM)
    _wait_gone(leaders, timeout * 0.6)
    for pid, st in _wait_gone(members, 0):
        _signal(pid, st, signal.SIGTERM)
    for pid, st in _wait_gone(members, timeout * 0.4):
        _signal(pid, st, signal.SIGKILL)
    left = _wait_gone(members, 1.0)
    for rec in state.processes:
        _reap(rec.pid)
    if left:
        raise LabError(f"processes survived SIGKILL: {left}")
    (state_dir / STATE_FILE).unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------
# status and CLI
# --------------------------------------------------------------------------------------------


def status(state_dir: Path | str = DEFAULT_STATE_DIR) -> bool:
    """Print hosts, services and processes; True if everything recorded is up and answering."""
    state_dir = Path(state_dir).resolve()
    state = load_state(state_dir)
    ok = state is not None
    alive: dict[str, bool] = {}
    print(f"state dir: {state_dir}")
    if state is None:
        print("no lab recorded (not started)")
    else:
        print("processes:")
        for rec in state.processes:
            alive[rec.name] = rec.alive()
            ok = ok and alive[rec.name]
            print(f"  {rec.name:<20} pid {rec.pid:<8} {'up' if alive[rec.name] else 'DOWN'}")
    print("services:")
    for host, svc in _endpoints():
        answers = state is not None and _safe_ready(host, svc, state_dir)
        ok = ok and answers
        print(
            f"  {host.name:<15} {host.address:<11} {svc.port:>5}/{svc.protocol:<4}"
            f" {svc.name:<7} {svc.daemon:<19} {'answers' if answers else 'NO ANSWER':<10}"
            f" {svc.posture}"
        )
    if state is not None:
        print("on-site hosts (own /etc, /home, /root, /var/log; hostname):")
        for name in ONSITE_SSHD:
            try:
                anchor = state.process(f"anchor-{name}")
            except KeyError:
                ready, hostname = False, "-"
            else:
                ready = onsite_namespace_ready(anchor)
                hostname = _namespace_hostname(anchor) if ready else "-"
            ok = ok and ready and hostname == name
            print(
                f"  {name:<15} {LAB_HOSTS[name].address:<11} "
                f"{'namespace up' if ready else 'NAMESPACE DOWN':<15} hostname {hostname}"
            )
    print("lab is up" if ok else "lab is NOT (fully) up")
    return ok


def _namespace_hostname(anchor: ProcessRecord) -> str:
    """The hostname in the anchor's UTS namespace ('?' if it cannot be read)."""
    try:
        res = subprocess.run(
            ["nsenter", "-t", str(anchor.pid), "-u", "--", "hostname"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return res.stdout.strip() if res.returncode == 0 and anchor.alive() else "?"


def _safe_ready(host: Host, svc: Service, state_dir: Path) -> bool:
    try:
        return _endpoint_ready(host, svc, state_dir)
    except (OSError, LabError):
        return False


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("command", choices=("install", "start", "stop", "status"))
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="interpreter with pymodbus for the Modbus server (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "install":
            install()
        elif args.command == "start":
            t0 = time.monotonic()
            state = start(args.state_dir, python=args.python)
            if state.already_running:
                print("lab already running")
            else:
                print(
                    f"lab started: {len(state.processes)} processes, "
                    f"{sum(len(h.services) for h in LAB_HOSTS.values())} services "
                    f"in {time.monotonic() - t0:.1f} s (state: {state.state_dir})"
                )
        elif args.command == "stop":
            t0 = time.monotonic()
            stop(args.state_dir)
            print(f"lab stopped in {time.monotonic() - t0:.1f} s")
        else:
            return 0 if status(args.state_dir) else 1
    except LabError as exc:
        print(f"lab: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
