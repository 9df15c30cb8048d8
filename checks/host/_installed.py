"""The names of the packages installed on an audited host, from its package manager (dpkg or
rpm), read with one command shared by the checks that ask whether a package is installed (the
vulnerability checks read versions and the release too, through ``_packages``). A package counts
as installed only in dpkg's ``ii``/``hi`` states (``rc``: removed, configuration left). RPM names
may hold capitals (``xorg-x11-server-Xorg``, ``NetworkManager``, ``perl-Time-HiRes``); dpkg's
never do."""

from __future__ import annotations

import re

from checks.host._output import END, complete
from scanner.api import CheckContext, Inconclusive, OnsiteTarget

COMMAND = (
    "if command -v dpkg-query >/dev/null 2>&1; then echo 'manager dpkg'; "
    "dpkg-query -W -f '${db:Status-Abbrev} ${Package}\\n'; "
    "elif command -v rpm >/dev/null 2>&1; then echo 'manager rpm'; "
    "rpm -qa --qf 'ii %{NAME}\\n'; fi; "
    f"echo '{END}'"
)
LINE = re.compile(r"^([a-z][a-zA-Z]{1,2})\s+([A-Za-z0-9][A-Za-z0-9+.\-_]*)$")


def installed(target: OnsiteTarget, ctx: CheckContext) -> tuple[str, frozenset[str]]:
    """The package manager (``dpkg``, ``rpm``) and the names of the installed packages."""
    result = ctx.ssh_run(target, COMMAND)
    lines = complete(result.text, "listing the installed packages", result.truncated)
    if not lines or not lines[0].startswith("manager "):
        raise Inconclusive("no package manager (dpkg, rpm) answered")
    names = set()
    for line in lines[1:]:
        if (m := LINE.match(line.strip())) and m.group(1)[:2] in ("ii", "hi"):
            names.add(m.group(2))
    return lines[0].removeprefix("manager "), frozenset(names)
