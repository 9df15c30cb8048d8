"""SSH server allows root to log in with a password.

Direct root logins leave no trace of which administrator acted, and a guessed root password is
the whole host. The check reads the SSH server's *effective* configuration with ``sshd -T``
(root needed: it runs under ``sudo -n`` when the credential allows sudo), and falls back to
``/etc/ssh/sshd_config`` when it cannot (the first ``PermitRootLogin`` line wins, as in sshd;
OpenSSH's default is ``prohibit-password``). ``PermitRootLogin yes`` is a finding;
``prohibit-password``, ``forced-commands-only`` and ``no`` pass.

Commands run (read-only): ``sshd -T``; ``cat /etc/ssh/sshd_config``.

Sample evidence::

    sshd -T: permitrootlogin yes
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    Inconclusive,
    Mode,
    Severity,
    Target,
)

EFFECTIVE = re.compile(r"^permitrootlogin\s+(\S+)", re.MULTILINE | re.IGNORECASE)
CONFIGURED = re.compile(r"^\s*PermitRootLogin\s+(\S+)", re.MULTILINE | re.IGNORECASE)


class SshRootLogin(Check):
    id = "host.ssh-root-login"
    title = "SSH server permits root login with a password"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.HIGH
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-250", "MLPS-8.1.4.1", "CSL-21")
    remediation = (
        "Set 'PermitRootLogin no' (or 'prohibit-password' where key-based root automation is "
        "required) in /etc/ssh/sshd_config, reload sshd, and administer through named accounts "
        "with sudo."
    )

    def run(self, target: Target, ctx: CheckContext) -> Iterator[Finding]:
        effective = ctx.ssh_run(target, "sshd -T", root=True)
        match = EFFECTIVE.search(effective.text) if effective.exit_status == 0 else None
        source = "sshd -T"
        if match is None:
            config = ctx.ssh_run(target, "cat /etc/ssh/sshd_config")
            if config.exit_status != 0:
                raise Inconclusive("neither `sshd -T` nor /etc/ssh/sshd_config could be read")
            match = CONFIGURED.search(config.text)
            source = "/etc/ssh/sshd_config"
        value = match.group(1).lower() if match else "prohibit-password (default)"
        if value == "yes":
            yield self.finding(
                target,
                f"{source}: permitrootlogin {value}",
                location="sshd PermitRootLogin",
                detail={"source": source},
            )
