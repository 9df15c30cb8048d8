"""World-writable files among the system's configuration and programs.

Any local user (or a compromised service account) can change a world-writable file under
``/etc``, ``/usr``, the cron folders or the systemd unit folders, and so change what root runs.
The check lists them with ``find`` (regular files with the other-write bit, not following
symbolic links, staying on each file system; at most 200 are reported) and reports each one.

Commands run (read-only): ``find /etc /usr /var/spool/cron /lib/systemd/system
/etc/systemd/system -xdev -type f -perm -0002 2>/dev/null | head -n 200``.

Sample evidence::

    world-writable: /etc/lab-world-writable.conf
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    Mode,
    Severity,
    Target,
)

FIND = (
    "find /etc /usr /var/spool/cron /lib/systemd/system /etc/systemd/system -xdev -type f "
    "-perm -0002 2>/dev/null | head -n 200"
)


class WorldWritableSystemFiles(Check):
    id = "host.world-writable-system-files"
    title = "System files are world-writable"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.HIGH
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-732", "MLPS-8.1.4.2")
    remediation = (
        "Remove the other-write permission (chmod o-w FILE), restore the file from the package "
        "(dpkg --verify / rpm -V) and find out who changed it."
    )

    def run(self, target: Target, ctx: CheckContext) -> Iterator[Finding]:
        # find exits non-zero when some folder is missing or unreadable: the list still counts.
        found = ctx.ssh_run(target, FIND, root=True)
        for path in found.text.splitlines():
            if path.startswith("/"):
                yield self.finding(target, f"world-writable: {path}", location=path)
