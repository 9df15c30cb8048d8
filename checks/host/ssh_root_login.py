"""SSH server allows root to log in with a password.

Direct root logins leave no trace of which administrator acted, and a guessed root password is
the whole host. The check reads the SSH server's effective configuration (``sshd -T`` under
``sudo -n`` when the credential allows it, else ``/etc/ssh/sshd_config``; see
``checks/host/_sshd.py``). ``PermitRootLogin yes`` is a finding; ``prohibit-password`` (OpenSSH's
default), ``forced-commands-only`` and ``no`` pass.

Commands run (read-only): ``sshd -T``; when it cannot run, one ``cat`` loop over
``/etc/ssh/sshd_config`` and ``/etc/ssh/sshd_config.d/*.conf``.

Sample evidence::

    sshd -T: permitrootlogin yes
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


class SshRootLogin(Check):
    id = "host.ssh-root-login"
    title = "SSH server permits root login with a password"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.HIGH
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    commands = SSHD_COMMANDS
    references = ("CWE-250", "MLPS-8.1.4.2b", "CSL-21")
    remediation = (
        "Set 'PermitRootLogin no' (or 'prohibit-password' where key-based root automation is "
        "required) in /etc/ssh/sshd_config, reload sshd, and administer through named accounts "
        "with sudo."
    )

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        config = sshd_config(target, ctx)
        value = config.get("permitrootlogin", "prohibit-password")
        if value == "yes":
            yield self.finding(
                target,
                f"{config.source}: permitrootlogin {value}",
                location="sshd PermitRootLogin",
                detail={"source": config.source},
            )
