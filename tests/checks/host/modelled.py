"""A modelled host for the host check tests: a check context whose ``ssh_run`` answers the
checks' declared commands from a folder of files (``tests/data/rpm-hosts/HOST/``), for hosts
no lab can run (RPM-based systems: the lab is one Debian machine).

The folder holds ``files/`` (the host's files at their paths: ``files/etc/pam.d/system-auth``)
and ``outputs/`` (what the other commands print). A :func:`checks.host._files.cat_command` loop
is answered the way the shell would run it, from ``files/`` (globs sorted as the shell sorts
them), with the output of its ``tail`` from ``outputs/`` (:data:`OUTPUTS` names the file of
each command); so is ``cat PATH`` (absent: the error ``cat`` prints) and the logrotate loop.
Anything else must be named in :data:`OUTPUTS`: a command the model does not know fails the
test, never reads as empty output. A test varies a host with ``files`` (path -> text, or None:
the file is absent) and ``overrides`` (command -> its result).
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from pathlib import Path
from typing import Any

from checks.host import (
    _accounts,
    _auditd,
    _installed,
    _modes,
    _packages,
    _sudoers,
    _units,
    aide_missing,
    antimalware_missing,
    audit_logging_missing,
    kernel_sysctl_weak,
    log_retention_short,
    mac_not_enforcing,
    pending_security_updates,
    time_sync_missing,
    world_writable_system_files,
)
from checks.host._files import FILE, TAIL
from checks.host._firewall import IPT_LIVE, NFT_LIVE
from checks.host._output import END
from scanner.api import CommandResult
from tests.checks.host.lab_onsite import Replay, command_result

DATA = Path(__file__).parents[2] / "data" / "rpm-hosts"
#: command (or a cat loop's tail) -> the file of ``outputs/`` holding what it prints.
OUTPUTS = {
    "sshd -T": "sshd-T.out",
    _installed.COMMAND: "packages.out",
    _units.WANTS: "wants.out",
    _units.LINKS: "links.out",
    _modes.COMMAND: "modes.out",
    NFT_LIVE: "nft-ruleset.out",
    IPT_LIVE: "iptables-save.out",
    _auditd.COMMAND: "auditd-probe.out",
    mac_not_enforcing.COMMAND: "mac-probe.out",
    aide_missing.COMMAND: "aide-db.out",
    kernel_sysctl_weak.COMMAND: "sysctl-live.out",
    _accounts.COMMAND: "clock.out",
    _sudoers.COMMAND: "sudoers-stat.out",
    _sudoers.WHOAMI: "id-un.out",
    antimalware_missing.COMMAND: "antimalware.out",
    audit_logging_missing.COMMAND: "audit-trail-probe.out",
    time_sync_missing.TIMEDATECTL: "timedatectl.out",
    pending_security_updates.WHICH: "which-updates.out",
    pending_security_updates.DNF: "dnf-security.out",
    "date +%s": "clock.out",
    world_writable_system_files.FIND: "world-writable.out",
    _packages.WHICH: "which-packages.out",
    _packages.RPM: "rpm-qa.out",
}
LOOP = re.compile(r"^for f in (?P<paths>[^;]*); do if \[ -f \"\$f\" \]; then .*?; done; ")
TAIL_PART = re.compile(rf"echo '{re.escape(TAIL)}'; (?:(?P<tail>.*); )?echo '{re.escape(END)}'$")


class ModelledHost(Replay):
    """A :class:`Replay` whose answers come from ``tests/data/rpm-hosts/<name>/``."""

    def __init__(
        self,
        name: str,
        settings: dict[str, Any] | None = None,
        overrides: dict[str, CommandResult] | None = None,
        files: dict[str, str | None] | None = None,
    ):
        super().__init__(overrides or {}, settings)
        self.root = DATA / name
        self.files = self.root / "files"
        self.changed = files or {}

    def ssh_run(self, target: Any, command: str, *, root: bool = False) -> CommandResult:
        self.asked.append((command, root))
        return self.answers[command] if command in self.answers else self.answer(command)

    def collect(self, key: Any, produce: Any) -> Any:
        """Each fact collected afresh (one check per test)."""
        return produce()

    def answer(self, command: str) -> CommandResult:
        """What the modelled host prints for ``command``."""
        inner = command
        if command.startswith("sh -c "):
            inner = shlex.split(command)[2]
        if (loop := LOOP.match(inner)) and (tail := TAIL_PART.search(inner)):
            body = "".join(
                f"{FILE}{path}\n{self.read(path)}\n" for path in self.glob(loop["paths"])
            )
            said = self.output(command) if tail["tail"] else ""
            return command_result(f"{body}{TAIL}\n{said}{END}\n")
        if command == log_retention_short.COMMAND:
            paths = self.glob("/etc/logrotate.conf /etc/logrotate.d/*")
            return command_result("".join(f"==> {p}\n{self.read(p)}" for p in paths))
        if command.startswith("cat /") and " " not in command[4:]:
            path = command[4:]
            if self.glob(path):
                return command_result(self.read(path))
            return command_result("", stderr=f"cat: {path}: No such file or directory\n", status=1)
        return command_result(self.output(command))

    def output(self, command: str) -> str:
        """The recorded output of ``command`` (KeyError: the model does not know it)."""
        return (self.root / "outputs" / OUTPUTS[command]).read_text()

    def read(self, path: str) -> str:
        changed = self.changed.get(path)
        return changed if changed is not None else (self.files / path.lstrip("/")).read_text()

    def glob(self, patterns: str) -> list[str]:
        """The existing regular files of ``patterns`` (shell words), in the shell's order."""
        found = []
        for pattern in patterns.split():
            folder, _, name = pattern.rpartition("/")
            here = self.files / folder.lstrip("/")
            names = {p.name for p in here.iterdir() if p.is_file()} if here.is_dir() else set()
            for path, text in self.changed.items():
                if path.rpartition("/")[0] == folder:
                    (names.add if text is not None else names.discard)(path.rpartition("/")[2])
            found += [f"{folder}/{n}" for n in sorted(names) if fnmatch.fnmatchcase(n, name)]
        return found
