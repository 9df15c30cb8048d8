"""What an audited host's auditd does: whether it runs, which rules it has loaded, how it keeps
its log. One root command per host and run, shared by the auditd checks, prints:

- each process named ``auditd`` with its mount namespace, and the shell's own (a process in
  another namespace belongs to another container or host sharing the kernel, not to this one);
- ``auditctl -l`` and ``auditctl -s`` when auditctl exists (the rules loaded in the kernel);
- ``/etc/audit/auditd.conf``, ``/etc/audit/audit.rules``, ``/etc/audit/rules.d/*.rules`` and
  the audisp remote plugin's files;
- ``stat`` of the log folder and files (``/var/log/audit``).

When ``auditctl -l`` cannot run (not installed, or no access to the kernel's audit subsystem)
the rules are those auditd loads at start: ``rules.d/*.rules`` (augenrules compiles them), else
``audit.rules``; :class:`Auditd` says which source it used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from checks.host._files import Files, cat_command, parse_files
from scanner.api import CheckContext, Inconclusive, OnsiteTarget, one_line

AUDITD_CONF = "/etc/audit/auditd.conf"
AUDIT_RULES = "/etc/audit/audit.rules"
RULES_D = "/etc/audit/rules.d/"
REMOTE = (
    "/etc/audit/plugins.d/au-remote.conf",
    "/etc/audisp/plugins.d/au-remote.conf",
    "/etc/audit/audisp-remote.conf",
    "/etc/audisp/audisp-remote.conf",
)
LOG_DIR = "/var/log/audit"
PROC, SELF, RULES, STATUS, STAT = (
    "#=auditd-proc=# ",
    "#=auditd-self=# ",
    "#=auditctl-l=#",
    "#=auditctl-s=#",
    "#=auditd-stat=# ",
)
_PROBE = (
    'for p in /proc/[0-9]*; do c=""; read -r c < "$p/comm" 2>/dev/null; '
    f'[ "$c" = auditd ] && echo "{PROC}${{p#/proc/}} $(readlink "$p/ns/mnt")"; done; '
    f'echo "{SELF}$(readlink /proc/self/ns/mnt)"; '
    f"if command -v auditctl >/dev/null 2>&1; then echo '{RULES}'; auditctl -l 2>&1; "
    f"echo \"$?\"; echo '{STATUS}'; auditctl -s 2>&1; fi; "
    f"stat -c '{STAT}%a %U %G %F %n' -- {LOG_DIR} {LOG_DIR}/* 2>/dev/null"
)
COMMAND = cat_command(
    (AUDITD_CONF, AUDIT_RULES, RULES_D + "*.rules", *REMOTE), tail=_PROBE, root=True
)


@dataclass(frozen=True)
class Auditd:
    """What was seen of auditd.

    Attributes:
        running: pids of processes named auditd in this host's mount namespace.
        elsewhere: pids of processes named auditd in other namespaces.
        rules: the active rule lines, from ``source``.
        source: ``auditctl -l`` or the rules files read.
        status: ``auditctl -s`` key/values (``enabled`` ...), empty when not read.
        conf: auditd.conf's settings (lower-case keys and values).
        logs: path -> (mode, owner, group, type) of the log folder and files.
        configured: whether auditd.conf exists.
    """

    running: tuple[str, ...]
    elsewhere: tuple[str, ...]
    rules: tuple[str, ...]
    source: str
    status: dict[str, str]
    conf: dict[str, str]
    logs: dict[str, tuple[int, str, str, str]]
    configured: bool
    files: Files


def _active(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def parse(files: Files, tail: str) -> Auditd:
    """:class:`Auditd` from the files read and the probe's output."""
    own = ""
    procs: list[tuple[str, str]] = []
    sections: dict[str, list[str]] = {RULES: [], STATUS: []}
    logs: dict[str, tuple[int, str, str, str]] = {}
    current: list[str] | None = None
    for line in tail.splitlines():
        if line.startswith(PROC):
            pid, _, ns = line.removeprefix(PROC).partition(" ")
            procs.append((pid, ns))
        elif line.startswith(SELF):
            own = line.removeprefix(SELF)
        elif line in sections:
            current = sections[line]
        elif line.startswith(STAT):
            parts = line.removeprefix(STAT).split(" ", 3)
            if len(parts) == 4 and re.fullmatch(r"[0-7]{3,4}", parts[0]):
                kind, _, path = parts[3].rpartition(" ")
                logs[one_line(path, 200)] = (int(parts[0], 8), parts[1], parts[2], kind)
                current = None
        elif current is not None:
            current.append(line)
    conf = {}
    for line in _active(files.texts.get(AUDITD_CONF, "")):
        key, _, value = line.partition("=")
        conf[key.strip().lower()] = value.strip().lower()
    listed, status = sections[RULES], sections[STATUS]
    if listed and listed[-1].strip() == "0" and not any("rror" in ln for ln in listed[:-1]):
        rules = tuple(ln.strip() for ln in listed[:-1] if ln.strip().startswith("-"))
        source = "auditctl -l"
    else:
        rule_files = sorted(p for p in files.texts if p.startswith(RULES_D))
        rule_files = rule_files or ([AUDIT_RULES] if AUDIT_RULES in files.texts else [])
        rules = tuple(ln for p in rule_files for ln in _active(files.texts[p]))
        source = ", ".join(rule_files) or "no rules file"
        status = []
    status_map = {}
    for line in status:
        key, _, value = line.strip().partition(" ")
        status_map[key] = value.strip()
    return Auditd(
        running=tuple(pid for pid, ns in procs if own and ns == own),
        elsewhere=tuple(pid for pid, ns in procs if not own or ns != own),
        rules=rules,
        source=source,
        status=status_map,
        conf=conf,
        logs=logs,
        configured=AUDITD_CONF in files.texts,
        files=files,
    )


def auditd(target: OnsiteTarget, ctx: CheckContext) -> Auditd:
    """What auditd does on ``target`` (one root command per host and run)."""
    files, tail = parse_files(ctx.ssh_run(target, COMMAND, root=True), "the auditd state")
    if files.unreadable:
        raise Inconclusive(f"cannot read {', '.join(files.unreadable)} (root or sudo needed)")
    if SELF not in tail:
        raise Inconclusive("the auditd probe did not run (no sudo?)")
    return parse(files, tail)
