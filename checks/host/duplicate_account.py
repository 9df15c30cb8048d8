"""Two accounts share a UID or a name, or two groups a GID or a name.

MLPS 2.0 level 3 (8.1.4.1 a) expects every user to be identified uniquely. Accounts that share
a UID are one identity to the kernel: files, processes and audit records cannot tell them apart
(and an extra UID 0 account is a second root). The check reads ``/etc/passwd`` and
``/etc/group`` and reports each UID, user name, GID and group name used more than once.

Commands run (read-only): one ``cat`` loop over the account files with ``date +%s`` (under
sudo, shared by the account checks).

Sample evidence::

    UID 0 is shared by root, toor
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from checks.host._accounts import COMMAND, accounts
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


def _dupes(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = defaultdict(list)
    for key, name in pairs:
        seen[key].append(name)
    return {k: v for k, v in seen.items() if len(v) > 1}


class DuplicateAccount(Check):
    id = "host.duplicate-account"
    title = "Accounts or groups share a UID, GID or name"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-286", "MLPS-8.1.4.1a")
    remediation = (
        "Give every account its own UID and name and every group its own GID and name "
        "(usermod -u, groupmod -g, then fix file ownership with find -uid/-gid), or remove "
        "the duplicate; pwck and grpck list them."
    )
    commands = ("sudo " + COMMAND,)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        found = accounts(target, ctx)
        checks = (
            ("UID", "user", [(str(u.uid), u.name) for u in found.users]),
            ("user name", "user", [(u.name, str(u.uid)) for u in found.users]),
            ("GID", "group", [(str(gid), name) for name, gid in found.groups]),
            ("group name", "group", [(name, str(gid)) for name, gid in found.groups]),
        )
        for what, kind, pairs in checks:
            for key, names in sorted(_dupes(pairs).items()):
                said = f"{what} {key} is shared by {', '.join(names)}"
                if what.endswith("name"):
                    said = f"{kind} name {key} appears {len(names)} times (IDs {', '.join(names)})"
                yield self.finding(target, said, location=f"{what} {key}")
