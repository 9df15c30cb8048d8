"""``lab.py install``: the Debian packages the lab's daemons come from, installed with apt-get.

While apt runs, the packages' maintainer scripts must not start the system daemons (they would
listen on 0.0.0.0 and take the lab's ports), hence a temporary ``policy-rc.d``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from tests.lab.system import LabError, require_root, say, write_file

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
    "mariadb-server",
    "tigervnc-standalone-server",
    "samba",
    "sudo",
)


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
    require_root()
    missing = missing_packages()
    if not missing:
        say(f"all {len(DEBIAN_PACKAGES)} Debian packages present")
        return
    say(f"installing: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    policy = Path("/usr/sbin/policy-rc.d")
    made_policy = not policy.exists()
    if made_policy:
        write_file(policy, "#!/bin/sh\n# lab.py install: do not start daemons\nexit 101\n", 0o755)
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
    say("packages installed")
