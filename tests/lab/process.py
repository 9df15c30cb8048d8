"""The processes the lab starts: how to run a daemon, the record of one started, and finding,
signalling and reaping it again by PID *and* start time.

Each daemon runs in the foreground in its own session (``start_new_session``); its record holds
its PID, its start time (``/proc/PID/stat`` field 22) and its argv. PIDs get reused, so a PID is
signalled only while its start time still matches what was recorded or observed. A daemon's own
descendants (nginx workers, FTP/SSH/telnet sessions) and the other members of its session are
found through the recorded PID, and only while that PID is verified.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tests.lab.system import DAEMON_ENV, LabError

if TYPE_CHECKING:  # state.py imports this module: the record is only needed for typing here
    from tests.lab.state import LabState


@dataclass(frozen=True)
class DaemonSpec:
    """How to run one daemon (built at start time, since paths depend on the state dir)."""

    name: str
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=lambda: dict(DAEMON_ENV))
    #: Name of an anchor process (spawned earlier) whose mount and UTS namespaces the daemon
    #: runs in: started as ``nsenter -t PID -m -u -- argv`` once the anchor's mounts are up.
    enter_ns: str = ""


@dataclass(frozen=True)
class ProcessRecord:
    """A daemon the lab started: enough to find it again and to be sure it is the same one."""

    name: str
    pid: int
    starttime: int
    argv: tuple[str, ...]

    def alive(self) -> bool:
        return is_alive(self.pid, self.starttime)


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


def is_alive(pid: int, starttime: int) -> bool:
    """True if ``pid`` runs and is the process that started at ``starttime``."""
    fields = _stat_fields(pid)
    if fields is None or int(fields[19]) != starttime:
        return False
    if fields[0] in ("Z", "X"):
        reap(pid)
        return False
    return True


_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def reap(pid: int) -> None:
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


def spawn(spec: DaemonSpec, log_path: Path, cwd: Path) -> ProcessRecord:
    """Start ``spec`` in its own session, output to ``log_path``; return its record."""
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


def signal_if_same(pid: int, starttime: int, sig: signal.Signals) -> None:
    """Send ``sig`` to ``pid`` only if it is still the process started at ``starttime``."""
    if proc_starttime(pid) == starttime:  # re-check right before signalling
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def wait_gone(procs: Iterable[tuple[int, int]], timeout: float) -> list[tuple[int, int]]:
    """Wait up to ``timeout`` seconds for ``procs`` to end; return those still alive."""
    left = list(procs)
    deadline = time.monotonic() + timeout
    while left:
        left = [(p, st) for p, st in left if is_alive(p, st)]
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    return left
