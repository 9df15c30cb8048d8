"""SSH server forwards X11 sessions.

X11 forwarding lets a compromised server reach the administrator's display (keystrokes,
screenshots). ``X11Forwarding yes`` is a finding. The check reads the SSH server's effective
configuration (``sshd -T`` under ``sudo -n`` when the credential allows it, else
``/etc/ssh/sshd_config``; see ``checks/host/_sshd.py``), which every sshd check shares: one command
per host and run.

Commands run (read-only): ``sshd -T``; when it cannot run, one ``cat`` loop over
``/etc/ssh/sshd_config`` and ``/etc/ssh/sshd_config.d/*.conf``.

Sample evidence::

    sshd -T: x11forwarding yes
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


class SshX11Forwarding(Check):
    id = "host.ssh-x11-forwarding"
    title = "SSH server forwards X11 sessions"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    commands = SSHD_COMMANDS
    references = ("CWE-16", "MLPS-8.1.4.4b")
    remediation = (
        "Set 'X11Forwarding no' in /etc/ssh/sshd_config and reload sshd, unless administrators "
        "need graphical programs from this server."
    )

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        config = sshd_config(target, ctx)
        value = config.get("x11forwarding", "no")
        if value == "yes":
            yield self.finding(
                target,
                f"{config.source}: x11forwarding {value}",
                location="sshd x11forwarding",
                detail={"source": config.source},
            )
