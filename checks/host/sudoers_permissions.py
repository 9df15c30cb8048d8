"""sudoers files others can read or change.

sudo's rules say who may become root; only root should write them and nobody else read them
(who holds which privilege helps an attacker choose a target). MLPS 2.0 level 3 (8.1.4.2 d)
expects the privilege configuration to be protected. The check reads the mode and owner of
``/etc/sudoers``, ``/etc/sudoers.d`` and every file in it (``stat``, with the sudo rules) and
reports each file not owned by root, or writable by its group or others, or readable by others
(CIS: 0440), and a folder writable by group or others.

Commands run (read-only): the sudoers ``cat`` loop with ``stat`` (under sudo, shared by the sudo
checks); ``id -un``.

Sample evidence::

    /etc/sudoers.d/lab-weak has mode 0644 owner root:root (readable by others; want 0440)
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._sudoers import COMMAND, SUDOERS_D, WHOAMI, sudoers
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


def problems(path: str, mode: int, owner: str) -> list[str]:
    """What is wrong with a sudoers file's or folder's mode and owner."""
    folder = path == SUDOERS_D.rstrip("/")
    said = []
    if owner != "root":
        said.append(f"owned by {owner}")
    if mode & 0o022:
        said.append("writable by group or others")
    if not folder and mode & 0o004:
        said.append("readable by others")
    if not folder and mode & 0o111:
        said.append("executable")
    return said


class SudoersPermissions(Check):
    id = "host.sudoers-permissions"
    title = "sudoers file readable or writable by others"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-732", "MLPS-8.1.4.2d")
    remediation = (
        "chown root:root /etc/sudoers /etc/sudoers.d/*; chmod 0440 /etc/sudoers "
        "/etc/sudoers.d/*; chmod 0750 /etc/sudoers.d (edit them only with visudo)."
    )
    commands = ("sudo " + COMMAND, WHOAMI)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        found = sudoers(target, ctx)
        for path, (mode, owner, group) in sorted(found.modes.items()):
            if said := problems(path, mode, owner):
                want = "0750" if path == SUDOERS_D.rstrip("/") else "0440"
                yield self.finding(
                    target,
                    f"{path} has mode {mode:04o} owner {owner}:{group} ({'; '.join(said)}; want "
                    f"{want})",
                    location=path,
                )
