"""The sudo rules of an audited host: ``/etc/sudoers`` and ``/etc/sudoers.d/*`` (root only) read
with one command shared by the sudo checks, with each file's mode and owner (``stat``) and the
login user (``id -un``, another command: under sudo it would say root).

:func:`rules` joins continued lines and yields each user specification (``WHO HOSTS=(RUNAS)
TAGS: COMMANDS``); ``Defaults`` and ``*_Alias`` lines are not rules. Files in sudoers.d whose
names contain a dot or end in ``~`` are skipped, as sudo skips them. ``#include`` and
``#includedir`` are directives, not comments; other files they name are not followed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from checks.host._files import Files, cat_command, parse_files
from scanner.api import CheckContext, Inconclusive, NotApplicable, OnsiteTarget, one_line

SUDOERS, SUDOERS_D = "/etc/sudoers", "/etc/sudoers.d/"
STAT = "#=scanner-stat=# "
COMMAND = cat_command(
    (SUDOERS, SUDOERS_D + "*"),
    tail=f"stat -c '{STAT}%a %U %G %n' -- {SUDOERS} {SUDOERS_D} {SUDOERS_D}* 2>/dev/null",
    root=True,
)
WHOAMI = "id -un"
#: Who may be an administrator by default (root and the distributions' admin groups).
ADMINS = ("root", "%sudo", "%wheel", "%admin")


@dataclass(frozen=True)
class Rule:
    """One user specification: who, as whom, with which tags, which commands, and where."""

    path: str
    who: tuple[str, ...]
    runas: str
    tags: frozenset[str]
    commands: tuple[str, ...]
    text: str


def _used(path: str) -> bool:
    name = path.removeprefix(SUDOERS_D)
    return path == SUDOERS or ("." not in name and not name.endswith("~"))


def _lines(text: str) -> list[str]:
    out: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#") and not line.startswith(("#include", "#includedir")):
            line = ""
        elif "#" in line and not line.startswith("#"):
            line = line.split("#", 1)[0].strip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = (pending + line).strip(), ""
        if line:
            out.append(line)
    return out


SPEC = re.compile(
    r"^([^\s,]+(?:[^\S\n]*,[^\S\n]*[^\s,]+)*)\s+([^\s=]+)\s*=\s*(?:\(([^)]*)\))?\s*(.*)$"
)
TAG = re.compile(r"^((?:[A-Z_]+\s*:\s*)+)")


def rules(files: Files) -> list[Rule]:
    """Every user specification in the sudoers files that sudo reads."""
    found = []
    for path, text in files.texts.items():
        if not _used(path):
            continue
        for line in _lines(text):
            first = line.split(None, 1)[0]
            if first.startswith(("Defaults", "#include", "@include")) or first.endswith("_Alias"):
                continue
            m = SPEC.match(line)
            if not m:
                continue
            who = tuple(w.strip() for w in m.group(1).split(","))
            rest = m.group(4)
            tags: set[str] = set()
            if t := TAG.match(rest):
                tags = {x.strip() for x in t.group(1).split(":") if x.strip()}
                rest = rest[t.end() :]
            commands = tuple(c.strip() for c in rest.split(",") if c.strip())
            runas = (m.group(3) or "root").strip()
            found.append(Rule(path, who, runas, frozenset(tags), commands, one_line(line, 160)))
    return found


def no_password_defaults(files: Files) -> list[tuple[str, str]]:
    """(path, line) of ``Defaults`` lines that turn authentication off (``!authenticate``)."""
    return [
        (path, one_line(line, 160))
        for path, text in files.texts.items()
        if _used(path)
        for line in _lines(text)
        if line.startswith("Defaults") and re.search(r"!\s*authenticate\b", line)
    ]


@dataclass(frozen=True)
class Sudoers:
    """The files read, their (mode, owner, group) by path, and the login user."""

    files: Files
    modes: dict[str, tuple[int, str, str]]
    login_user: str


def sudoers(target: OnsiteTarget, ctx: CheckContext) -> Sudoers:
    """The sudoers files; ``NotApplicable`` without /etc/sudoers (no sudo on the host)."""
    files, tail = parse_files(ctx.ssh_run(target, COMMAND, root=True), "the sudoers files")
    if files.unreadable:
        raise Inconclusive(f"cannot read {', '.join(files.unreadable)} (root or sudo needed)")
    if SUDOERS not in files.texts:
        raise NotApplicable(f"{SUDOERS} does not exist (no sudo on this host)")
    modes = {}
    for line in tail.splitlines():
        parts = line.removeprefix(STAT).split(" ", 3)
        if line.startswith(STAT) and len(parts) == 4 and re.fullmatch(r"[0-7]{3,4}", parts[0]):
            modes[parts[3].rstrip("/")] = (int(parts[0], 8), parts[1], parts[2])
    who = ctx.ssh_run(target, WHOAMI)
    login = who.text.strip() if who.exit_status == 0 else ""
    return Sudoers(files, modes, login)


def judged(rule: Rule, login: str, include_login: bool) -> bool:
    """Whether ``rule`` is judged: rules for the login user itself (the inspection's own
    account) are left out unless ``include_login``."""
    return include_login or not login or rule.who != (login,)
