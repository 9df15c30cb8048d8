"""cron's files are open to others, or any user may schedule jobs.

Jobs in ``/etc/crontab`` and the ``/etc/cron.*`` folders run as root: a file there others can
change is a way to root, and one they can read shows what runs when. MLPS 2.0 level 3
(8.1.4.2 f) expects file-level access control. The check reads mode and owner (``stat``) and
reports ``/etc/crontab`` not owned by root or open to group or others (want 0600), each cron
folder (``cron.hourly``, ``daily``, ``weekly``, ``monthly``, ``cron.d``) open to group or others
(want 0700), and no ``/etc/cron.allow`` (without it every user may use crontab). A host with
none of these files has no cron (not applicable).

Commands run (read-only): one ``stat`` of the account and cron files (shared).

Sample evidence::

    /etc/crontab has mode 0644 owner root:root (want 0600, owned by root)
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._modes import COMMAND, CRON, modes
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    Mode,
    NotApplicable,
    OnsiteTarget,
    Severity,
)


class CronPermissions(Check):
    id = "host.cron-permissions"
    title = "cron files open to others, or no cron allow-list"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-732", "MLPS-8.1.4.2f")
    remediation = (
        "chown root:root /etc/crontab /etc/cron.*; chmod 0600 /etc/crontab; chmod 0700 "
        "/etc/cron.hourly /etc/cron.daily /etc/cron.weekly /etc/cron.monthly /etc/cron.d; "
        "create /etc/cron.allow (and /etc/at.allow) listing the users who may schedule jobs "
        "(root only by default), mode 0640."
    )
    commands = (COMMAND,)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        found = modes(target, ctx)
        present = [p for p in CRON[:6] if p in found]
        if not present:
            raise NotApplicable("no /etc/crontab and no /etc/cron.* folders (no cron)")
        for path in present:
            m = found[path]
            if m.owner != "root" or m.mode & 0o077:
                want = "0600" if path == "/etc/crontab" else "0700"
                yield self.finding(
                    target,
                    f"{path} has mode {m.mode:04o} owner {m.owner}:{m.group} (want {want}, owned "
                    "by root)",
                    location=path,
                )
        if "/etc/cron.allow" not in found:
            deny = " (only /etc/cron.deny)" if "/etc/cron.deny" in found else ""
            yield self.finding(
                target,
                f"no /etc/cron.allow{deny}: every user may schedule cron jobs",
                location="/etc/cron.allow",
            )
