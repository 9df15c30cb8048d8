"""SSH server accepts password logins.

Passwords can be guessed and phished; keys cannot. ``PasswordAuthentication yes`` (OpenSSH's
default) is a finding. The check reads the SSH server's effective configuration (``sshd -T`` under
``sudo -n`` when the credential allows it, else ``/etc/ssh/sshd_config``; see
``checks/host/_sshd.py``), which every sshd check shares: one command per host and run.

Commands run (read-only): ``sshd -T``; when it cannot run, one ``cat`` loop over
``/etc/ssh/sshd_config`` and ``/etc/ssh/sshd_config.d/*.conf``.

Sample evidence::

    sshd -T: passwordauthentication yes
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


class SshPasswordAuth(Check):
    id = "host.ssh-password-auth"
    title = "SSH server accepts password logins"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    commands = SSHD_COMMANDS
    references = ("CWE-307", "MLPS-8.1.4.1d")
    remediation = (
        "Set 'PasswordAuthentication no' and 'KbdInteractiveAuthentication no' in "
        "/etc/ssh/sshd_config, distribute SSH keys (or certificates) to administrators, and "
        "reload sshd."
    )

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        config = sshd_config(target, ctx)
        value = config.get("passwordauthentication", "yes")
        if value == "yes":
            yield self.finding(
                target,
                f"{config.source}: passwordauthentication {value}",
                location="sshd passwordauthentication",
                detail={"source": config.source},
            )
