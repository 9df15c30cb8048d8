"""The login shells' start-up files of an audited host (``/etc/profile``, ``/etc/profile.d``,
``/etc/bash.bashrc``, ``/etc/bashrc``) and ``/etc/login.defs``, read with one command shared by
the shell timeout and umask checks. :func:`assignments` finds active settings such as
``TMOUT=600`` (also after ``readonly``, ``export``, ``declare -r``) or ``umask 027``."""

from __future__ import annotations

import re

from checks.host._files import Files, cat_command, parse_files
from scanner.api import CheckContext, OnsiteTarget

STARTUP = ("/etc/profile", "/etc/profile.d/*.sh", "/etc/bash.bashrc", "/etc/bashrc")
LOGIN_DEFS = "/etc/login.defs"
COMMAND = cat_command((*STARTUP, LOGIN_DEFS))
TMOUT = re.compile(
    r"^[^\S\n]*(?:(?:readonly|export|declare(?:[^\S\n]+-\w+)?|typeset(?:[^\S\n]+-\w+)?)"
    r"[^\S\n]+)*TMOUT=[\"']?(\d{1,9})",
    re.MULTILINE,
)
UMASK = re.compile(r"^[^\S\n]*umask[^\S\n]+([0-7]{3,4})\b", re.MULTILINE)


def startup_files(target: OnsiteTarget, ctx: CheckContext) -> Files:
    """The start-up files and login.defs (one command per host and run)."""
    files, _ = parse_files(ctx.ssh_run(target, COMMAND), "the shell start-up files")
    return files


def assignments(files: Files, pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    """(path, value) of every match of ``pattern`` in the start-up files, in reading order."""
    return [
        (path, m.group(1))
        for path in files.texts
        if path != LOGIN_DEFS
        for m in pattern.finditer(files.texts[path])
    ]
