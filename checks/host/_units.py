"""Which services an audited host starts at boot, read from its service folders.

Enabled means what ``systemctl enable`` leaves behind: a symbolic link in a
``/etc/systemd/system/*.wants`` folder, and no mask (``/etc/systemd/system/UNIT`` linked to
``/dev/null``); or a start link in ``/etc/rc[2-5].d`` (SysV) or ``/etc/runlevels/*`` (OpenRC).
The folders are read rather than asked of ``systemctl``, which needs a running systemd (a
container or a chroot has none).

Two listings are read: :data:`WANTS` (``find``: systemd's ``.wants`` links only) and
:data:`LINKS` (every start link with its destination, and which service folders exist).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from checks.host._output import END
from scanner.api import Inconclusive

WANTS = "find /etc/systemd/system -maxdepth 2 -path '*.wants/*'"
SERVICE_DIRS = (
    "/etc/systemd/system",
    "/etc/rc2.d",
    "/etc/rc3.d",
    "/etc/rc4.d",
    "/etc/rc5.d",
    "/etc/runlevels",
)
LINKS = (
    "for f in /etc/systemd/system/*.wants/* /etc/systemd/system/*.service /etc/rc[2345].d/S* "
    '/etc/runlevels/*/*; do [ -L "$f" ] && echo "link $f -> $(readlink "$f")"; done; '
    f'for d in {" ".join(SERVICE_DIRS)}; do [ -d "$d" ] && echo "dir $d"; done; '
    f"echo '{END}'"
)


def enabled_units(listing: str) -> set[str]:
    """Unit names linked from ``/etc/systemd/system/*.wants/`` in a :data:`WANTS` listing."""
    return {line.rsplit("/", 1)[-1] for line in listing.splitlines() if ".wants/" in line}


@dataclass(frozen=True)
class Services:
    """What the service folders show: enabled service names, masked ones, folders present."""

    enabled: frozenset[str]
    masked: frozenset[str]
    dirs: frozenset[str]


def services(text: str) -> Services:
    """Parse the :data:`LINKS` command's output; ``Inconclusive`` when it is incomplete."""
    body, sep, _ = text.rpartition(END)
    if not sep:
        raise Inconclusive("listing the service links did not complete: no end mark")
    enabled, masked, dirs = set(), set(), set()
    for line in body.splitlines():
        if line.startswith("dir "):
            dirs.add(line[4:])
            continue
        link, arrow, dest = line.removeprefix("link ").partition(" -> ")
        if not line.startswith("link ") or not arrow:
            continue
        name = link.rsplit("/", 1)[-1]
        unit = name.removesuffix(".service")
        if link.startswith("/etc/systemd/system/") and link.count("/") == 4:
            if dest == "/dev/null":
                masked.add(unit)  # a unit file in /etc/systemd/system linked away: masked
            continue
        if link.startswith("/etc/rc"):
            unit = re.sub(r"^S\d*", "", name)  # S01chrony -> chrony
        enabled.add(unit)
    return Services(frozenset(enabled), frozenset(masked), frozenset(dirs))
