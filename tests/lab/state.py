"""The state directory of a started lab: ``state.json`` (the recorded processes), the secrets and
certificates tests read, and the lock that serialises ``start`` and ``stop``.

The format of ``state.json`` (version 1) is shared by every version of ``lab.py``: a lab started
by one version must be stoppable by another. ``start`` and ``stop`` of one state dir are
serialised by an flock on ``STATE/.lock``.

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
    redis-weak-6380/ postgres-weak/ xvnc-weak/ smbd-weak/    the weak host's other daemons
    tls-lab/                    the tls host's certificates (lab CA) and keys; openssl ca database
    nginx-tls/                  the tls host's own nginx: config, pid, temp dirs
    keys/ (0700)                audit_ed25519 (0600) and .pub: the lab audit user's key
    known_hosts                 the on-site hosts' host keys (``ADDR`` and ``[ADDR]:22``)
    hosts/NAME/ (0700)          an on-site host: ssh_host_ed25519_key(.pub) and machine-id
                                (kept); etc/ (a cp -a of the real /etc, then edited), home/,
                                root/, var-log/, apt-lists/, usr-local-sbin/ (weak only), made
                                afresh on every start and bind-mounted only inside the host's
                                namespace
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from tests.lab.process import ProcessRecord
from tests.lab.system import REPO_ROOT, LabError, write_file

DEFAULT_STATE_DIR: Final = REPO_ROOT / "tests" / "lab" / ".run"
STATE_FILE: Final = "state.json"


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


def save_state(state_dir: Path, records: Sequence[ProcessRecord], python: str) -> None:
    """Write ``state.json`` (format version 1) with the processes started so far."""
    doc = {
        "version": 1,
        "python": python,
        "processes": [
            {"name": r.name, "pid": r.pid, "starttime": r.starttime, "argv": list(r.argv)}
            for r in records
        ],
    }
    write_file(state_dir / STATE_FILE, json.dumps(doc, indent=2) + "\n", mode=0o644)


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


@contextlib.contextmanager
def locked(state_dir: Path, timeout: float = 60.0) -> Iterator[None]:
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
