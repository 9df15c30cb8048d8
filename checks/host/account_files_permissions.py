"""The account files (passwd, shadow, group, gshadow) are open to others.

``/etc/shadow`` and ``/etc/gshadow`` hold password hashes: readable by others, every hash can be
cracked offline; ``/etc/passwd`` and ``/etc/group`` writable by others let anyone make
themselves root. MLPS 2.0 level 3 (8.1.4.2 a and f) expects access to these objects controlled
at file level. The check reads their mode and owner (``stat``) and reports ``passwd`` or
``group`` not owned by root or writable by group or others (want 0644), and ``shadow`` or
``gshadow`` not owned by root, or with any access for others or write for the group (want 0640
root:shadow, or 0000 on Red Hat).

Commands run (read-only): one ``stat`` of the account and cron files (shared).

Sample evidence::

    /etc/shadow has mode 0644 owner root:shadow (others can read it; want 0640 or stricter)
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._modes import ACCOUNT_FILES, COMMAND, modes
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
)


class AccountFilesPermissions(Check):
    id = "host.account-files-permissions"
    title = "Account files (passwd, shadow, group, gshadow) open to others"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.HIGH
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-732", "MLPS-8.1.4.2a", "MLPS-8.1.4.2f")
    remediation = (
        "chown root:root /etc/passwd /etc/group; chmod 0644 /etc/passwd /etc/group; "
        "chown root:shadow /etc/shadow /etc/gshadow; chmod 0640 /etc/shadow /etc/gshadow "
        "(Red Hat: root:root 0000)."
    )
    commands = (COMMAND,)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        found = modes(target, ctx)
        if "/etc/passwd" not in found:
            raise Inconclusive("stat printed nothing for /etc/passwd")
        for path in ACCOUNT_FILES:
            if path not in found:
                continue
            m = found[path]
            secret = path.endswith("shadow")
            said = []
            if m.owner != "root":
                said.append(f"owned by {m.owner}")
            if m.mode & (0o027 if secret else 0o022):
                said.append("others can read it" if secret and m.mode & 0o004 else "writable")
            if said:
                want = "0640 or stricter" if secret else "0644 or stricter"
                yield self.finding(
                    target,
                    f"{path} has mode {m.mode:04o} owner {m.owner}:{m.group} ({'; '.join(said)}; "
                    f"want {want})",
                    location=path,
                )
