"""SSH server never drops idle or dead sessions (ClientAliveInterval).

MLPS 2.0 level 3 (8.1.4.1 b) expects connections to time out. sshd checks an unresponsive
client every ``ClientAliveInterval`` seconds and drops it after ``ClientAliveCountMax``
unanswered checks; with the default interval 0 it never does, and a session whose client
vanished stays open. The check reads the effective configuration (``sshd -T``, shared by every
sshd check) and finds the interval 0, or interval x count above the setting ``max_seconds``
(default 900). Idle but live clients are ended by the shell's TMOUT (host.shell-timeout-missing).

Commands run (read-only): ``sshd -T``; when it cannot run, one ``cat`` loop over
``/etc/ssh/sshd_config`` and ``/etc/ssh/sshd_config.d/*.conf``.

Sample evidence::

    sshd -T: clientaliveinterval 0: sshd never drops unresponsive sessions
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


class SshIdleTimeout(Check):
    id = "host.ssh-idle-timeout"
    title = "SSH server never drops idle or dead sessions"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    commands = SSHD_COMMANDS
    references = ("CWE-613", "MLPS-8.1.4.1b")
    remediation = (
        "Set 'ClientAliveInterval 300' and 'ClientAliveCountMax 2' (at most 15 minutes in "
        "all) in /etc/ssh/sshd_config and reload sshd."
    )

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        config = sshd_config(target, ctx)
        interval = config.get("clientaliveinterval", "0")
        count = config.get("clientalivecountmax", "3")
        limit = int(ctx.setting("max_seconds", 900))
        if not interval.isdigit() or not count.isdigit():
            return  # sshd -T prints numbers; a config file with garbage would not start sshd
        if int(interval) == 0:
            yield self.finding(
                target,
                f"{config.source}: clientaliveinterval 0: sshd never drops unresponsive sessions",
                location="sshd clientaliveinterval",
            )
        elif int(interval) * max(int(count), 1) > limit:
            yield self.finding(
                target,
                f"{config.source}: clientaliveinterval {interval} x clientalivecountmax {count}"
                f" = {int(interval) * max(int(count), 1)} s (more than {limit})",
                location="sshd clientaliveinterval",
            )
