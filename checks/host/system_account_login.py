"""A system or default account can log in.

System accounts (daemon, bin, games, lp, news, www-data, postgres ... : UID 1 up to login.defs
``UID_MIN``, and 60000 and up such as nobody) run services; nobody should log in as them, and
a default account that can is the first thing a password-guessing attacker tries. MLPS 2.0
level 3 (8.1.4.2 b and c) expects default accounts renamed, removed or disabled. The check
reads ``/etc/passwd`` and ``/etc/shadow`` (root) and reports each system account that has a
login shell (not nologin, false, sync, shutdown, halt) **and** a password that is not locked
(a hash, or empty). root is not judged here (see host.ssh-root-login).

Commands run (read-only): one ``cat`` loop over the account files with ``date +%s`` (under
sudo, shared by the account checks).

Sample evidence::

    system account games (UID 5) has login shell /bin/sh and a usable password (sha512)
"""

from __future__ import annotations

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


class SystemAccountLogin(Check):
    id = "host.system-account-login"
    title = "A system or default account can log in"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-1392", "MLPS-8.1.4.2b", "MLPS-8.1.4.2c")
    remediation = (
        "Disable logins for each listed system account: usermod -s /usr/sbin/nologin NAME and "
        "passwd -l NAME (or remove the account if no package needs it)."
    )
    commands = ("sudo " + COMMAND,)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        found = accounts(target, ctx)
        for user in found.users:
            system = 0 < user.uid < found.uid_min or user.uid >= 60000
            if system and user.login_shell and user.usable_password:
                yield self.finding(
                    target,
                    f"system account {user.name} (UID {user.uid}) has login shell {user.shell} "
                    f"and a usable password ({user.scheme})",
                    location=f"account {user.name}",
                )
