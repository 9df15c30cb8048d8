"""``start`` and ``stop`` of the whole lab: prepare every daemon's files, spawn the daemons in
order and record them, wait until every service answers; stop only what was recorded.

``start`` is idempotent (a lab that is fully up is left alone, except that daemons this code knows
and the state does not record are started beside it; a partly down one is stopped and started
afresh) and refuses to start when the lab's ports already answer. Both hold the state
dir's lock. A daemon that does not come up stops the whole start, with the tail of its log.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from tests.lab.certs import make_host_certs
from tests.lab.creds import (
    creds_mariadb,
    creds_mosquitto,
    creds_namespace,
    creds_nginx,
    creds_postgres,
    creds_snmpd,
)
from tests.lab.ftp import vsftpd
from tests.lab.hosts import HARDENED_ADDR, WEAK_ADDR, endpoints
from tests.lab.ics import modbus
from tests.lab.kv import redis, redis_weak_6380
from tests.lab.mqtt import mosquitto
from tests.lab.onsite import enter_namespace, onsite_daemons, onsite_keys
from tests.lab.onsite_real import onsite_passwords
from tests.lab.ot import OT_PLANT_DAEMONS, ot_plant
from tests.lab.postgres import postgres
from tests.lab.process import (
    DaemonSpec,
    ProcessRecord,
    lab_processes,
    reap,
    signal_if_same,
    spawn,
    wait_gone,
)
from tests.lab.ready import tcp_accepts, wait_ready
from tests.lab.remote_admin import smbd, xvnc
from tests.lab.snmp import WEAK_SNMP_COMMUNITY, snmpd
from tests.lab.ssh import sshd
from tests.lab.state import DEFAULT_STATE_DIR, STATE_FILE, LabState, load_state, locked, save_state
from tests.lab.system import LabError, make_dir, read_or_make_secret, require_root, say
from tests.lab.telnet import inetd
from tests.lab.web import nginx, nginx_tls

START_TIMEOUT: Final = 15.0
STOP_TIMEOUT: Final = 5.0


def start(
    state_dir: Path | str = DEFAULT_STATE_DIR,
    *,
    python: str | None = None,
    timeout: float = START_TIMEOUT,
) -> LabState:
    """Start the whole lab (idempotent) and wait until every service answers.

    Raises LabError (after stopping whatever it started) if a daemon does not come up in time.
    """
    require_root()
    state_dir = Path(state_dir).resolve()
    _check_traversable(state_dir)
    make_dir(state_dir, 0o755)
    with locked(state_dir):
        return _start(state_dir, os.path.abspath(python or sys.executable), timeout)


def _start(state_dir: Path, python: str, timeout: float) -> LabState:
    previous = load_state(state_dir)
    if previous is not None:
        if previous.all_alive():
            return _extend(state_dir, previous, python, timeout)
        say("recorded lab is partly down: stopping what is left, then starting afresh")
        _stop(state_dir, STOP_TIMEOUT)
    busy = [f"{h.address}:{s.port}" for h, s in endpoints() if s.protocol == "tcp"]
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
                enter_namespace(planned, records, state_dir, timeout)
                if planned.enter_ns
                else planned
            )
            records.append(spawn(spec, state_dir / "logs" / f"{spec.name}.log", state_dir))
            save_state(state_dir, records, python)
        wait_ready(state_dir, records, timeout)
    except BaseException:
        if records:
            _stop(state_dir, STOP_TIMEOUT)
        raise
    return LabState(state_dir, tuple(records), python)


def _extend(state_dir: Path, previous: LabState, python: str, timeout: float) -> LabState:
    """A lab that is up: start only the daemons it does not record yet (a newer checkout's
    additions), so a lab shared by several checkouts grows without a restart."""
    known = {r.name for r in previous.processes}
    missing = [
        spec
        for names, make in _families(state_dir, python)
        if known.isdisjoint(names)
        for spec in make()
    ]
    if not missing:
        return LabState(state_dir, previous.processes, previous.python, already_running=True)
    records = list(previous.processes)
    for planned in missing:
        say(f"lab is up; starting {planned.name}, which it does not record yet")
        spec = (
            enter_namespace(planned, records, state_dir, timeout) if planned.enter_ns else planned
        )
        records.append(spawn(spec, state_dir / "logs" / f"{spec.name}.log", state_dir))
        save_state(state_dir, records, previous.python)
    wait_ready(state_dir, records, timeout)
    # already running: whoever started the lab stops it, with what was added to it
    return LabState(state_dir, tuple(records), previous.python, already_running=True)


def _split(endpoint: str) -> tuple[str, int]:
    addr, port = endpoint.rsplit(":", 1)
    return addr, int(port)


def stop(state_dir: Path | str = DEFAULT_STATE_DIR, timeout: float = STOP_TIMEOUT) -> None:
    """Stop every recorded process (and its descendants) and remove ``state.json``.

    A PID is signalled only while its start time matches what was recorded or observed.
    """
    require_root()
    state_dir = Path(state_dir).resolve()
    if not (state_dir / STATE_FILE).exists():
        return
    with locked(state_dir):
        _stop(state_dir, timeout)


def restart(
    daemons: Sequence[str],
    state_dir: Path | str = DEFAULT_STATE_DIR,
    *,
    timeout: float = START_TIMEOUT,
) -> LabState:
    """Stop the families of the named daemons (e.g. ``sshd-onsite-hardened``), rewrite their
    files from this checkout and start them again; the rest of the lab keeps running."""
    require_root()
    state_dir = Path(state_dir).resolve()
    with locked(state_dir):
        state = load_state(state_dir)
        if state is None or not state.all_alive():
            raise LabError("restart needs a running lab: start it first")
        families = _families(state_dir, state.python)
        known = {name for names, _make in families for name in names}
        unknown = sorted(set(daemons) - known)
        if unknown:
            raise LabError(f"no such lab daemon: {', '.join(unknown)} (known: {sorted(known)})")
        chosen = {name for names, _m in families if set(names) & set(daemons) for name in names}
        gone = LabState(state_dir, tuple(r for r in state.processes if r.name in chosen), "")
        _signal_all(gone, timeout=STOP_TIMEOUT)
        kept = [r for r in state.processes if r.name not in chosen]
        save_state(state_dir, kept, state.python)
    return start(state_dir, python=state.python, timeout=timeout)


def _stop(state_dir: Path, timeout: float) -> None:
    state = load_state(state_dir)
    if state is None:
        return
    _signal_all(state, timeout)
    (state_dir / STATE_FILE).unlink(missing_ok=True)


def _signal_all(state: LabState, timeout: float) -> None:
    """SIGTERM the recorded leaders, then their trees; SIGKILL what is left; reap."""
    members = lab_processes(state)  # snapshot before the tree comes apart
    leaders = [(r.pid, r.starttime) for r in state.processes if r.alive()]
    for pid, st in leaders:
        signal_if_same(pid, st, signal.SIGTERM)
    wait_gone(leaders, timeout * 0.6)
    for pid, st in wait_gone(members, 0):
        signal_if_same(pid, st, signal.SIGTERM)
    for pid, st in wait_gone(members, timeout * 0.4):
        signal_if_same(pid, st, signal.SIGKILL)
    left = wait_gone(members, 1.0)
    for rec in state.processes:
        reap(rec.pid)
    if left:
        raise LabError(f"processes survived SIGKILL: {left}")


#: A family of daemons: the names it starts, and what writes its files and returns its specs.
Family = tuple[tuple[str, ...], Callable[[], list[DaemonSpec]]]


def _prepare(state_dir: Path, python: str) -> list[DaemonSpec]:
    """Write every config, key and secret under ``state_dir``; return the daemons to start."""
    return [spec for _names, make in _families(state_dir, python) for spec in make()]


def _families(state_dir: Path, python: str) -> list[Family]:
    """Every daemon family, in start order. Shared files (logs, secrets, certificates, the audit
    key) are made here; a family's own files only when its thunk runs, so extending a running
    lab never rewrites the files of daemons already up (the on-site hosts' /etc is bind-mounted)."""
    make_dir(state_dir / "logs", 0o755)
    sec = make_dir(state_dir / "secrets", 0o700)
    make_host_certs(state_dir)
    redis_pw = read_or_make_secret(sec / "redis-hardened.password")
    mqtt_pw = read_or_make_secret(sec / "mqtt-hardened.password")
    community = read_or_make_secret(sec / "snmp-hardened.community", "hex")
    audit_pub = onsite_keys(state_dir)
    onsite_passwords(state_dir)  # and STATE/secrets/onsite.env, for the demo and the tests

    def one(name: str, make: Callable[[], DaemonSpec]) -> Family:
        return (name,), lambda: [make()]

    return [
        one("nginx", lambda: nginx(state_dir)),
        one("redis-weak", lambda: redis(state_dir, "weak", WEAK_ADDR, None)),
        one("redis-hardened", lambda: redis(state_dir, "hardened", HARDENED_ADDR, redis_pw)),
        one("inetd", lambda: inetd(state_dir)),
        one("vsftpd-weak", lambda: vsftpd(state_dir, "weak", WEAK_ADDR)),
        one("vsftpd-hardened", lambda: vsftpd(state_dir, "hardened", HARDENED_ADDR)),
        one("mosquitto-weak", lambda: mosquitto(state_dir, "weak", WEAK_ADDR, None)),
        one("mosquitto-hardened", lambda: mosquitto(state_dir, "hardened", HARDENED_ADDR, mqtt_pw)),
        one("snmpd-weak", lambda: snmpd(state_dir, "weak", WEAK_ADDR, WEAK_SNMP_COMMUNITY)),
        one("snmpd-hardened", lambda: snmpd(state_dir, "hardened", HARDENED_ADDR, community)),
        one("sshd-weak", lambda: sshd(state_dir, "weak", WEAK_ADDR)),
        one("sshd-hardened", lambda: sshd(state_dir, "hardened", HARDENED_ADDR)),
        one("modbus", lambda: modbus(python)),
        one("redis-weak-6380", lambda: redis_weak_6380(state_dir)),
        one("postgres-weak", lambda: postgres(state_dir)),
        one("xvnc-weak", lambda: xvnc(state_dir)),
        one("smbd-weak", lambda: smbd(state_dir)),
        one("nginx-tls", lambda: nginx_tls(state_dir)),
        (OT_PLANT_DAEMONS, lambda: ot_plant(state_dir, python)),
        (
            ("anchor-onsite-weak", "sshd-onsite-weak", "listener-onsite-weak"),
            lambda: onsite_daemons(state_dir, "onsite-weak", audit_pub),
        ),
        (
            ("anchor-onsite-hardened", "sshd-onsite-hardened", "auditd-onsite-hardened"),
            lambda: onsite_daemons(state_dir, "onsite-hardened", audit_pub),
        ),
        # hosts derived from onsite-hardened: one session at a time; su instead of sudo
        (
            ("anchor-onsite-maxsess1", "sshd-onsite-maxsess1", "auditd-onsite-maxsess1"),
            lambda: onsite_daemons(state_dir, "onsite-maxsess1", audit_pub),
        ),
        (
            ("anchor-onsite-su", "sshd-onsite-su", "auditd-onsite-su"),
            lambda: onsite_daemons(state_dir, "onsite-su", audit_pub),
        ),
        # the credential-test hosts (tests/lab/creds.py)
        (
            ("anchor-creds-weak", "sshd-creds-weak", "vsftpd-creds-weak", "inetd-creds-weak"),
            lambda: creds_namespace(state_dir, "weak"),
        ),
        (
            (
                "anchor-creds-hardened",
                "sshd-creds-hardened",
                "vsftpd-creds-hardened",
                "inetd-creds-hardened",
            ),
            lambda: creds_namespace(state_dir, "hardened"),
        ),
        one("mosquitto-creds-weak", lambda: creds_mosquitto(state_dir, "weak")),
        one("mosquitto-creds-hardened", lambda: creds_mosquitto(state_dir, "hardened")),
        one("snmpd-creds-weak", lambda: creds_snmpd(state_dir, "weak")),
        one("snmpd-creds-hardened", lambda: creds_snmpd(state_dir, "hardened")),
        one("nginx-creds", lambda: creds_nginx(state_dir)),
        one("postgres-creds-weak", lambda: creds_postgres(state_dir, "weak")),
        one("postgres-creds-hardened", lambda: creds_postgres(state_dir, "hardened")),
        one("mariadb-creds-weak", lambda: creds_mariadb(state_dir, "weak")),
        one("mariadb-creds-hardened", lambda: creds_mariadb(state_dir, "hardened")),
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
