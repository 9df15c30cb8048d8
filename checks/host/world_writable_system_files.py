"""World-writable files among the system's configuration and programs.

Any local user (or a compromised service account) can change a world-writable file under
``/etc``, ``/usr``, the cron folders or the systemd unit folders, and so change what root runs.
The check lists them with ``find`` (regular files with the other-write bit, not following
symbolic links, staying on each file system; at most 200 are reported) and reports each one.
A folder that does not exist is no failure; any other error of ``find`` (missing, refused by
sudo, an unreadable folder) leaves the check inconclusive, since the list may be incomplete.

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
    Inconclusive,
    Mode,
    OnsiteTarget,
    Severity,
    one_line,
)

FIND = (
    "find /etc /usr /var/spool/cron /lib/systemd/system /etc/systemd/system -xdev -type f "
    "-perm -0002"
)
#: At most this many files are reported (a host with more has one problem, not thousands).
REPORTED = 200


class WorldWritableSystemFiles(Check):
    id = "host.world-writable-system-files"
    title = "System files are world-writable"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.HIGH
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    commands = (f"sudo {FIND}",)
    references = ("CWE-732", "MLPS-8.1.4.2f")
    remediation = (
        "Remove the other-write permission (chmod o-w FILE), restore the file from the package "
        "(dpkg --verify / rpm -V) and find out who changed it."
    )

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        found = ctx.ssh_run(target, FIND, root=True)
        problems = [
            line
            for line in found.stderr.decode("utf-8", "replace").splitlines()
            if line.strip() and not line.endswith("No such file or directory")
        ]
        if found.exit_status != 0 and (problems or found.exit_status != 1):
            raise Inconclusive(
                f"find failed (exit {found.exit_status}): "
                + one_line("; ".join(problems[:3]) or "no error text")
            )
        paths = [p for p in found.text.splitlines() if p.startswith("/")]
        for path in paths[:REPORTED]:
            yield self.finding(target, f"world-writable: {path}", location=path)
