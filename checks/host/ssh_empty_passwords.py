"""SSH server accepts accounts with empty passwords.

With ``PermitEmptyPasswords yes`` any account without a password can log in from the network with
nothing at all. The check reads the SSH server's effective configuration (``sshd -T`` under ``sudo
-n`` when the credential allows it, else ``/etc/ssh/sshd_config``; see ``checks/host/_sshd.py``),
which every sshd check shares: one command per host and run.

Commands run (read-only): ``sshd -T``; when it cannot run, one ``cat`` loop over
``/etc/ssh/sshd_config`` and ``/etc/ssh/sshd_config.d/*.conf``.

Sample evidence::

    sshd -T: permitemptypasswords yes
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._sshd import COMMANDS as SSHD_COMMANDS
from checks.host._sshd import sshd_config
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


class SshEmptyPasswords(Check):
    id = "host.ssh-empty-passwords"
    title = "SSH server accepts accounts with empty passwords"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.HIGH
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    commands = SSHD_COMMANDS
    references = ("CWE-258", "MLPS-8.1.4.1a")
    remediation = (
        "Set 'PermitEmptyPasswords no' in /etc/ssh/sshd_config (the default), reload sshd, and "
        "give every account a password or lock it."
    )

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        config = sshd_config(target, ctx)
        value = config.get("permitemptypasswords", "no")
        if value == "yes":
            yield self.finding(
                target,
                f"{config.source}: permitemptypasswords {value}",
                location="sshd permitemptypasswords",
                detail={"source": config.source},
            )
