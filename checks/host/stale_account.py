"""Expired or long-unused accounts are still enabled, or nothing disables them.

MLPS 2.0 level 3 (8.1.4.2 c) expects surplus and expired accounts removed or disabled in time.
The check reads ``/etc/shadow``, ``/etc/passwd`` and ``/etc/default/useradd`` (root) and reports,
for each ordinary account (UID from ``UID_MIN`` below 60000) with a usable password:

- an account expiry date (``chage -E``) in the past: the account is expired but still present
  and unlocked;
- a password expired (last change + ``max`` days) for more than the setting ``stale_days``
  (default 90) days: nobody has used or renewed it;

and, once per host, new accounts that are never disabled after their password expires
(``INACTIVE`` missing, ``-1``, or above the setting ``max_inactive``, default 35, in
``/etc/default/useradd``).

Commands run (read-only): one ``cat`` loop over the account files with ``date +%s`` (under
sudo, shared by the account checks).

Sample evidence::

    account olduser expired 100 days ago (2026-08-26) and is still unlocked
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from checks.host._accounts import COMMAND, USERADD, accounts
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


def _date(days: int) -> str:
    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=days)).isoformat()


class StaleAccount(Check):
    id = "host.stale-account"
    title = "Expired or unused account still enabled"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-1391", "MLPS-8.1.4.2c")
    remediation = (
        "Lock or remove each listed account (usermod -L NAME, or userdel NAME) after checking "
        "with its owner, and set INACTIVE=30 in /etc/default/useradd (useradd -D -f 30) so "
        "accounts whose password expired are disabled automatically."
    )
    commands = ("sudo " + COMMAND,)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        found = accounts(target, ctx)
        stale = int(ctx.setting("stale_days", 90))
        for user in found.users:
            if not (found.uid_min <= user.uid < 60000 and user.usable_password):
                continue
            if user.expire is not None and user.expire < found.today:
                yield self.finding(
                    target,
                    f"account {user.name} expired {found.today - user.expire} days ago "
                    f"({_date(user.expire)}) and is still unlocked",
                    location=f"account {user.name}",
                )
                continue
            if user.last_change and user.max_days is not None and user.max_days < 99999:
                since = found.today - (user.last_change + user.max_days)
                if since > stale:
                    yield self.finding(
                        target,
                        f"account {user.name}: password expired {since} days ago (last "
                        f"changed {_date(user.last_change)}) and the account is still unlocked",
                        location=f"account {user.name}",
                    )
        inactive = found.useradd.get("INACTIVE", "")
        limit = int(ctx.setting("max_inactive", 35))
        if not inactive.isdigit() or int(inactive) > limit:
            said = f"INACTIVE={inactive}" if inactive else "no INACTIVE"
            yield self.finding(
                target,
                f"{USERADD}: {said}: accounts whose password expired are never disabled",
                location="useradd INACTIVE",
            )
