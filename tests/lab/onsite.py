"""The on-site hosts (onsite-weak 127.0.10.5, onsite-hardened 127.0.10.6): hosts with their own
/etc, reached over SSH as the lab audit user, in mount and UTS namespaces of this machine.

An anchor process started under ``unshare --mount --uts --propagation private`` bind-mounts the
host's copies (see ``onsite_etc``) over /etc, /home, /root, /var/log and /var/lib/apt/lists (the
weak host also /usr/local/sbin; the hardened host /var/lib/dpkg, /var/lib/clamav and
/var/lib/aide, see ``onsite_mlps``) and sets the hostname; the host's sshd (and the weak host's
extra listener on port 9099, the hardened host's auditd stand-in) runs inside via
``nsenter -t ANCHOR -m -u``, so a user who logs in
sees that host's files. The hosts share this machine's network namespace, so its live firewall
ruleset and listening sockets are theirs too. The anchors are recorded and stopped like every
other daemon; the namespaces and their mounts vanish with their last process. Log in as
:data:`AUDIT_USER` with ``STATE/keys/audit_ed25519`` and ``STATE/known_hosts``.

Lynis run inside a host needs ``refresh-repositories=no`` in a custom profile, or it runs
``apt-get update``; it takes about a minute per host.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from tests.lab.hosts import LAB_HOSTS, ONSITE_EXTRA_PORT
from tests.lab.onsite_etc import ONSITE_MARKER, ONSITE_SSHD, onsite_etc
from tests.lab.onsite_real import ONSITE_PROFILE
from tests.lab.process import DaemonSpec, ProcessRecord
from tests.lab.ssh import ssh_key
from tests.lab.system import LabError, log_tail, make_dir, user_ids, write_file


def onsite_keys(state_dir: Path) -> str:
    """The audit key pair (STATE/keys, kept), each on-site host's ed25519 host key (kept in
    STATE/hosts/NAME) and STATE/known_hosts; returns the audit public key line."""
    keys = make_dir(state_dir / "keys", 0o700)
    ssh_key(keys / "audit_ed25519", "ed25519")
    lines = []
    for name in (*ONSITE_SSHD, *ONSITE_PROFILE):
        base = make_dir(state_dir / "hosts" / name, 0o700)
        ssh_key(base / "ssh_host_ed25519_key", "ed25519")
        ktype, blob = (base / "ssh_host_ed25519_key.pub").read_text().split()[:2]
        addr = LAB_HOSTS[name].address
        lines += [f"{addr} {ktype} {blob}", f"[{addr}]:22 {ktype} {blob}"]
    write_file(state_dir / "known_hosts", "\n".join(lines) + "\n")
    return (keys / "audit_ed25519.pub").read_text().strip()


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


def onsite_daemons(state_dir: Path, name: str, audit_pub: str) -> list[DaemonSpec]:
    """The anchor process (own mount and UTS namespaces: the host's copies bind-mounted over
    /etc, /home, /root, /var/log, /var/lib/apt/lists, its hostname) and the host's sshd,
    started inside it (and on the weak host an extra listener on ONSITE_EXTRA_PORT)."""
    mounts = onsite_etc(state_dir, name, audit_pub)
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
        return [anchor, sshd, auditd_stand_in(state_dir, name, anchor.name)]
    uid, gid = user_ids("nobody", "nogroup")
    addr, port = LAB_HOSTS[name].address, str(ONSITE_EXTRA_PORT)
    listener = DaemonSpec(
        f"listener-{name}",
        ("/usr/bin/python3", "-c", _EXTRA_LISTENER, addr, port, str(uid), str(gid)),
        enter_ns=anchor.name,
    )
    return [anchor, sshd, listener]


def auditd_stand_in(state_dir: Path, name: str, anchor: str) -> DaemonSpec:
    """A stand-in for the hardened host's auditd: a copy of ``sleep`` named ``auditd``, run in
    the host's namespaces (host.auditd-not-running looks for a process named auditd in the
    host's own mount namespace). A real auditd cannot run here: the lab's namespaces give it no
    access to the kernel's audit system."""
    folder = make_dir(state_dir / "hosts" / name / "stand-in", 0o700)
    shutil.copy2("/usr/bin/sleep", folder / "auditd")
    return DaemonSpec(f"auditd-{name}", (str(folder / "auditd"), "infinity"), enter_ns=anchor)


def onsite_namespace_ready(anchor: ProcessRecord) -> bool:
    """True if the anchor lives and its mount namespace shows the host's /etc (the marker)."""
    name = anchor.name.removeprefix("anchor-")
    try:
        marker = Path(f"/proc/{anchor.pid}/root/etc/{ONSITE_MARKER}").read_text(encoding="utf-8")
    except OSError:
        return False
    return marker.strip() == name and anchor.alive()


def enter_namespace(
    spec: DaemonSpec, records: Sequence[ProcessRecord], state_dir: Path, timeout: float
) -> DaemonSpec:
    """``spec`` run through nsenter in its anchor's namespaces, once the anchor's mounts are up."""
    anchor = next(r for r in records if r.name == spec.enter_ns)
    deadline = time.monotonic() + timeout
    while not onsite_namespace_ready(anchor):
        if not anchor.alive() or time.monotonic() > deadline:
            raise LabError(
                f"{anchor.name} (pid {anchor.pid}) did not set up its namespace:\n"
                + log_tail(state_dir / "logs" / f"{anchor.name}.log")
            )
        time.sleep(0.01)
    argv = ("nsenter", "-t", str(anchor.pid), "-m", "-u", "--", *spec.argv)
    return DaemonSpec(spec.name, argv, spec.env)


def namespace_hostname(anchor: ProcessRecord) -> str:
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
