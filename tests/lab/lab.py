"""The scanner's test lab: real network daemons on dedicated 127.0.10.x loopback addresses.

The integration tests (and anyone demonstrating the scanner) need real targets: a deliberately
**weak** host, a **hardened** host that gets the same services right, and an **ot** host speaking
Modbus/TCP (plus a **tls** host and two **on-site** hosts: see ``hosts``). This script installs,
starts, stops and reports on those daemons. Everything runs on this machine, each daemon bound to
one explicit 127.0.10.x address (never a wildcard), as an unprivileged user where the daemon
allows it, with every file it needs under one state directory.

Usage (as root; stdlib only, Python 3.11)::

    python3 tests/lab/lab.py install          # apt-get the Debian packages (quick when present)
    python3 tests/lab/lab.py start            # configs, certificates, daemons; waits until ready
    python3 tests/lab/lab.py status           # hosts, services, processes; exit 0 if all up
    python3 tests/lab/lab.py stop             # stops only the processes it recorded
    python3 tests/lab/lab.py restart modbus   # restarts one daemon family, rewriting its files

Options: ``--state-dir DIR`` (default ``tests/lab/.run``), ``--python PY`` (the interpreter that
runs the Modbus server; it must import pymodbus 3.8.6; default: the one running this script).

Tests import it as ``from tests.lab import lab`` and use :data:`LAB_HOSTS`, :func:`start`,
:func:`stop`, :func:`is_running` and :func:`load_state`; this module re-exports the lab's whole
public API and holds the command line. The work is done by one module per concern, all in this
folder:

- ``hosts``: the hosts, their services and postures (``LAB_HOSTS``);
- ``process``: daemon specs, process records, finding and signalling processes by PID and start
  time; ``state``: the state dir, ``state.json`` and its lock; ``system``: the error and helpers;
- ``packages`` (``install``), ``control`` (``start``, ``stop``), ``status``, ``ready``;
- one module per daemon family: ``certs`` and ``web`` (nginx, TLS), ``kv`` (redis), ``mqtt``,
  ``ftp``, ``telnet``, ``snmp``, ``ssh``, ``ics`` (Modbus), ``postgres``, ``remote_admin`` (VNC,
  Samba), ``onsite`` and ``onsite_etc`` (the on-site hosts and their /etc).

Each family module's docstring says what it runs and why the weak and hardened variants are
configured so. The modules import each other as ``tests.lab.NAME``: run as a script (or
imported as the top-level ``lab`` by ``modbus_server.py``), this module first puts the
repository root on ``sys.path``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

if not __package__:  # a script, or the top-level ``lab``: make ``tests.lab`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.lab.certs import TLS_EXPIRING_DAYS, TLS_EXPIRING_MIN_DAYS, TLS_LAB_CERTS, TlsLabCert
from tests.lab.control import START_TIMEOUT, STOP_TIMEOUT, restart, start, stop
from tests.lab.hosts import (
    HARDENED_ADDR,
    LAB_HOSTS,
    ONSITE_EXTRA_PORT,
    ONSITE_HARDENED_ADDR,
    ONSITE_MAXSESS1_ADDR,
    ONSITE_SU_ADDR,
    ONSITE_WEAK_ADDR,
    OT_ADDR,
    OT_PLANT2_ADDR,
    OT_PLANT_ADDR,
    TLS_ADDR,
    WEAK_ADDR,
    Host,
    Service,
)
from tests.lab.ics import (
    MODBUS_HOLDING_REGISTERS,
    MODBUS_IDENTITY,
    MODBUS_SERVER_SCRIPT,
    MODBUS_UNIT_ID,
    PYMODBUS_VERSION,
)
from tests.lab.kv import WEAK_REDIS_DEFAULT_PASSWORD
from tests.lab.mqtt import MQTT_USER
from tests.lab.onsite import onsite_namespace_ready
from tests.lab.onsite_etc import (
    AUDIT_UID,
    AUDIT_USER,
    GUEST_UID,
    HARDENED_NFTABLES,
    HARDENED_PAM_PWQUALITY,
    HARDENED_PWQUALITY,
    ONSITE_APT_BUMP,
    ONSITE_APT_PACKAGE,
    ONSITE_APT_SOURCE,
    ONSITE_LOG_ROTATE_WEEKS,
    ONSITE_LOGIN_DEFS,
    ONSITE_MARKER,
    ONSITE_SSHD,
)
from tests.lab.onsite_real import (
    AUDIT_SUDO_ENV,
    ONSITE_ENV,
    ONSITE_PRIVILEGE,
    ONSITE_PROFILE,
    ONSITE_SESSIONS,
    ROOT_SU_ENV,
    SU_GROUP,
    onsite_env,
)
from tests.lab.ot import OT_IDENTITIES, OT_SERVER_SCRIPT, served_requests, unsafe_served
from tests.lab.packages import DEBIAN_PACKAGES, install, missing_packages
from tests.lab.process import DaemonSpec, ProcessRecord, lab_processes, proc_starttime
from tests.lab.ready import tcp_accepts
from tests.lab.remote_admin import XVNC_DISPLAY
from tests.lab.snmp import SYSDESCR_OID, WEAK_SNMP_COMMUNITY, WEAK_SNMP_RW_COMMUNITY, snmp_get
from tests.lab.state import DEFAULT_STATE_DIR, STATE_FILE, LabState, is_running, load_state
from tests.lab.status import status
from tests.lab.system import REPO_ROOT, LabError

__all__ = [
    "AUDIT_SUDO_ENV",
    "AUDIT_UID",
    "AUDIT_USER",
    "DEBIAN_PACKAGES",
    "DEFAULT_STATE_DIR",
    "GUEST_UID",
    "HARDENED_ADDR",
    "HARDENED_NFTABLES",
    "HARDENED_PAM_PWQUALITY",
    "HARDENED_PWQUALITY",
    "LAB_HOSTS",
    "MODBUS_HOLDING_REGISTERS",
    "MODBUS_IDENTITY",
    "MODBUS_SERVER_SCRIPT",
    "MODBUS_UNIT_ID",
    "MQTT_USER",
    "ONSITE_APT_BUMP",
    "ONSITE_APT_PACKAGE",
    "ONSITE_APT_SOURCE",
    "ONSITE_ENV",
    "ONSITE_EXTRA_PORT",
    "ONSITE_HARDENED_ADDR",
    "ONSITE_LOGIN_DEFS",
    "ONSITE_LOG_ROTATE_WEEKS",
    "ONSITE_MARKER",
    "ONSITE_MAXSESS1_ADDR",
    "ONSITE_PRIVILEGE",
    "ONSITE_PROFILE",
    "ONSITE_SESSIONS",
    "ONSITE_SSHD",
    "ONSITE_SU_ADDR",
    "ONSITE_WEAK_ADDR",
    "OT_ADDR",
    "OT_IDENTITIES",
    "OT_PLANT2_ADDR",
    "OT_PLANT_ADDR",
    "OT_SERVER_SCRIPT",
    "PYMODBUS_VERSION",
    "REPO_ROOT",
    "ROOT_SU_ENV",
    "START_TIMEOUT",
    "STATE_FILE",
    "STOP_TIMEOUT",
    "SU_GROUP",
    "SYSDESCR_OID",
    "TLS_ADDR",
    "TLS_EXPIRING_DAYS",
    "TLS_EXPIRING_MIN_DAYS",
    "TLS_LAB_CERTS",
    "WEAK_ADDR",
    "WEAK_REDIS_DEFAULT_PASSWORD",
    "WEAK_SNMP_COMMUNITY",
    "WEAK_SNMP_RW_COMMUNITY",
    "XVNC_DISPLAY",
    "DaemonSpec",
    "Host",
    "LabError",
    "LabState",
    "ProcessRecord",
    "Service",
    "TlsLabCert",
    "install",
    "is_running",
    "lab_processes",
    "load_state",
    "main",
    "missing_packages",
    "onsite_env",
    "onsite_namespace_ready",
    "proc_starttime",
    "restart",
    "served_requests",
    "snmp_get",
    "start",
    "status",
    "stop",
    "tcp_accepts",
    "unsafe_served",
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("command", choices=("install", "start", "stop", "status", "restart"))
    parser.add_argument(
        "daemons", nargs="*", help="restart: daemons whose families to restart (e.g. modbus)"
    )
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
        elif args.command == "restart":
            if not args.daemons:
                parser.error("restart needs the names of daemons (see state.json)")
            restart(args.daemons, args.state_dir)
            print(f"restarted the families of {', '.join(args.daemons)}")
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
