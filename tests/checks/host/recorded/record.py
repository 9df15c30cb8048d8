"""Record the output of the host checks' commands on the lab's two on-site hosts, for the parser
tests (tests/checks/host/test__*.py). Read-only, like the checks; run from the repository root
with the lab up: ``python -m tests.checks.host.recorded.record``.

Each file is ``HOST.NAME.out`` (stdout) and, when the command printed any, ``HOST.NAME.err``.
The commands are the checks' own constants, run as the checks run them (root ones under
``sudo -n``). The sockets and processes in the ``ss`` and ``/proc/net`` files are this
machine's: the lab hosts share its network namespace.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from checks.host import audit_logging_missing, password_quality, time_sync_missing, unusual_suid
from checks.host._units import LINKS, WANTS
from checks.host.firewall_inactive import NFT_CONF
from checks.host.pending_security_updates import APT
from checks.host.unexpected_listening_service import PROC, SS_PROCESSES
from tests.lab import lab

HERE = Path(__file__).parent
HOSTS = {"weak": lab.ONSITE_WEAK_ADDR, "hardened": lab.ONSITE_HARDENED_ADDR}
#: name -> (command, as root)
COMMANDS = {
    "ss": (SS_PROCESSES, True),
    "proc-tcp": (PROC["tcp"], False),
    "proc-udp6": (PROC["udp6"], False),
    "wants": (WANTS, False),
    "nftables-conf": (NFT_CONF, True),
    "links": (LINKS, False),
    "timesync-files": (time_sync_missing.COMMAND, False),
    "audit-files": (audit_logging_missing.COMMAND, True),
    "pam-files": (password_quality.COMMAND, False),
    "apt-upgrade": (APT, False),
    "suid-find": (unusual_suid.FIND, True),
    "dpkg-s": ("dpkg -S /usr/bin/passwd /usr/local/sbin/lab-suid /bin/su", False),
}


def main() -> None:
    state = lab.load_state()
    assert state is not None, "the lab is not running"
    for host, address in HOSTS.items():
        for name, (command, root) in COMMANDS.items():
            remote = f"sudo -n {command}" if root else command
            done = subprocess.run(
                ["ssh", "-q", "-i", str(state.audit_key), "-o", "BatchMode=yes",
                 "-o", f"UserKnownHostsFile={state.known_hosts}",
                 "-o", "StrictHostKeyChecking=yes", f"{lab.AUDIT_USER}@{address}", remote],
                capture_output=True, timeout=60, check=False,
            )  # fmt: skip
            (HERE / f"{host}.{name}.out").write_bytes(done.stdout)
            err = HERE / f"{host}.{name}.err"
            if done.stderr:
                err.write_bytes(done.stderr)
            else:
                err.unlink(missing_ok=True)
            print(f"{host} {name}: exit {done.returncode}, {len(done.stdout)} bytes")


if __name__ == "__main__":
    main()
