"""New files are created readable by everybody (umask weaker than 027).

The umask decides who can read the files users and services create; Debian's default 022 makes
every new file world-readable. MLPS 2.0 level 3 (8.1.4.2 f) expects access control down to file
level. The check reads ``UMASK`` in ``/etc/login.defs`` (pam_umask and useradd use it) and every
active ``umask`` in ``/etc/profile``, ``/etc/profile.d/*.sh``, ``/etc/bash.bashrc`` and
``/etc/bashrc``, and reports each that leaves group write or any access for others (weaker than
the setting ``want``, default 027), one finding per file (Red Hat's ``/etc/bashrc`` sets 002 or
022 in the two branches of one ``if``), or no umask set anywhere.

Commands run (read-only): one ``cat`` loop over the start-up files and ``/etc/login.defs``
(shared with host.shell-timeout-missing).

Sample evidence::

    /etc/login.defs: UMASK 022 (weaker than 027: new files readable by others)
    /etc/bashrc: umask 002, 022 (weaker than 027: new files readable by others)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.host._profile import COMMAND, LOGIN_DEFS, UMASK, assignments, startup_files
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    Mode,
    OnsiteTarget,
    Severity,
)

DEFS = re.compile(r"^[^\S\n]*UMASK[^\S\n]+([0-7]{3,4})\b", re.MULTILINE)


class UmaskPermissive(Check):
    id = "host.umask-permissive"
    title = "Default umask lets others read new files"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-276", "MLPS-8.1.4.2f")
    remediation = (
        "Set UMASK 027 in /etc/login.defs and 'umask 027' in /etc/profile.d/umask.sh (and "
        "remove weaker umask lines from /etc/profile and /etc/bash.bashrc)."
    )
    commands = (COMMAND,)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        files = startup_files(target, ctx)
        want = int(str(ctx.setting("want", "027")), 8)
        found = [(LOGIN_DEFS, m.group(1)) for m in DEFS.finditer(files.texts.get(LOGIN_DEFS, ""))]
        found += assignments(files, UMASK)
        if not found:
            yield self.finding(
                target,
                f"no UMASK in {LOGIN_DEFS} and no umask in the shell start-up files (the "
                "kernel default 022 applies)",
                location="umask",
            )
            return
        weak: dict[str, list[str]] = {}
        for path, value in found:
            if int(value, 8) & want != want and value not in weak.setdefault(path, []):
                weak[path].append(value)
        for path, values in weak.items():
            if values:
                word = "UMASK" if path == LOGIN_DEFS else "umask"
                yield self.finding(
                    target,
                    f"{path}: {word} {', '.join(values)} (weaker than {want:03o}: new files "
                    "readable by others)",
                    location=f"umask {path}",
                )
