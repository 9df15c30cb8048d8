"""SSH server allows many authentication attempts per connection.

Each connection may try ``MaxAuthTries`` passwords or keys; more than 4 makes guessing cheaper. The
setting ``max`` (default 4) sets the threshold. The check reads the SSH server's effective
configuration (``sshd -T`` under ``sudo -n`` when the credential allows it, else
``/etc/ssh/sshd_config``; see ``checks/host/_sshd.py``), which every sshd check shares: one command
per host and run.

Commands run (read-only): ``sshd -T``; when it cannot run, one ``cat`` loop over
``/etc/ssh/sshd_config`` and ``/etc/ssh/sshd_config.d/*.conf``.

Sample evidence::

    sshd -T: maxauthtries 10 (more than 4)
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


class SshMaxAuthTries(Check):
    id = "host.ssh-max-auth-tries"
    title = "SSH server allows many authentication attempts per connection"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    commands = SSHD_COMMANDS
    references = ("CWE-307", "MLPS-8.1.4.1b")
    remediation = (
        "Set 'MaxAuthTries 3' (at most 4) in /etc/ssh/sshd_config and reload sshd; rate-limit "
        "failed logins (fail2ban or the firewall)."
    )

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        config = sshd_config(target, ctx)
        value = config.get("maxauthtries", "6")
        limit = int(ctx.setting("max", 4))
        if value.isdigit() and int(value) > limit:
            yield self.finding(
                target,
                f"{config.source}: maxauthtries {value} (more than {limit})",
                location="sshd maxauthtries",
                detail={"value": int(value)},
            )
