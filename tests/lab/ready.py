"""Whether the lab answers: a TCP connect probe, each service's readiness (SNMP by a real GET),
and the wait after ``start`` that names the daemons which did not come up.

Tests use :func:`tcp_accepts` too.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Sequence
from pathlib import Path

from tests.lab.creds import CREDS_WEAK_COMMUNITY
from tests.lab.hosts import Host, Service, endpoints
from tests.lab.process import ProcessRecord
from tests.lab.snmp import WEAK_SNMP_COMMUNITY, snmp_get
from tests.lab.system import LabError, log_tail


def tcp_accepts(address: str, port: int, timeout: float = 0.3) -> bool:
    """True if ``address:port`` accepts a TCP connection."""
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False


def bacnet_answers(address: str, port: int, timeout: float = 0.3) -> bool:
    """True if a BACnet/IP device answers a ReadPropertyMultiple of its device object."""
    # imported here: `lab.py install` runs on the system's stdlib-only Python, before the venv
    from checks.protocols.bacnet import read_device  # noqa: PLC0415

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendto(read_device(1), (address, port))
            return sock.recv(1500)[:1] == b"\x81"
        except OSError:
            return False


def endpoint_ready(host: Host, svc: Service, state_dir: Path) -> bool:
    """True if the service answers: a TCP connect, or for SNMP a GET with its community."""
    if svc.protocol == "tcp":
        return tcp_accepts(host.address, svc.port)
    if svc.name == "bacnet":
        return bacnet_answers(host.address, svc.port)
    if host.name == "weak":
        community = WEAK_SNMP_COMMUNITY
    elif host.name == "creds-weak":
        community = CREDS_WEAK_COMMUNITY
    else:
        secret = (
            "creds-hardened.snmp" if host.name == "creds-hardened" else "snmp-hardened.community"
        )
        community = (state_dir / "secrets" / secret).read_text().strip()
    return snmp_get(host.address, community, timeout=0.3) is not None


def wait_ready(state_dir: Path, records: Sequence[ProcessRecord], timeout: float) -> None:
    """Wait until every service answers; LabError naming what did not, with log tails."""
    pending = endpoints()
    deadline = time.monotonic() + timeout
    dead: list[ProcessRecord] = []
    while pending and time.monotonic() < deadline:
        pending = [(h, s) for h, s in pending if not endpoint_ready(h, s, state_dir)]
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
        lines.append(log_tail(state_dir / "logs" / f"{name}.log"))
    raise LabError("\n".join(lines))


def safe_ready(host: Host, svc: Service, state_dir: Path) -> bool:
    """:func:`endpoint_ready`, False instead of an error (for ``status``)."""
    try:
        return endpoint_ready(host, svc, state_dir)
    except (OSError, LabError):
        return False
