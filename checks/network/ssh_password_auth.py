"""SSH server offers password authentication.

Password logins over SSH can be guessed: internet-facing SSH servers see brute-force and
credential-stuffing attempts around the clock, and one weak or reused password is enough. The
check connects to each service discovery names ``ssh``, completes the key exchange and asks for
the ``none`` authentication method as user ``scanner-probe``; the server's refusal lists the
methods it allows. It reports when ``password`` or ``keyboard-interactive`` is among them. No
credential is ever sent. A server offering only ``publickey`` (or GSSAPI) is a pass; a port that
does not speak SSH is not applicable, and one that stays silent is inconclusive.

Sample evidence::

    SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10 offers password authentication;
    methods: publickey, password
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Finding,
    ServiceTarget,
    Severity,
    probe_server,
)

PROBE_USER = "scanner-probe"
GUESSABLE = ("password", "keyboard-interactive")


class SshPasswordAuth(Check):
    id = "net.ssh-password-auth"
    title = "SSH server offers password authentication"
    family = "network"
    severity = Severity.MEDIUM
    applies_to = AppliesTo(services=("ssh",))
    references = ("CWE-307", "CWE-521", "MLPS-8.1.4.1d", "CSL-21")
    remediation = (
        "Set PasswordAuthentication no and KbdInteractiveAuthentication no in sshd_config (and "
        "PermitRootLogin prohibit-password or no), log in with keys or certificates only, and "
        "restrict who can reach port 22."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        with ctx.connect(target.address, target.service.port, read_limit=262144) as conn:
            probe = probe_server(conn, auth_user=PROBE_USER)
        version = probe.version
        if probe.auth_methods is None:  # no authentication at all: worse than a password
            yield self.finding(
                target,
                f"{version} accepted the 'none' authentication method for {PROBE_USER}",
                severity=Severity.HIGH,
                detail={"methods": ["none"], "offered": ["none"]},
            )
            return
        methods = list(probe.auth_methods)
        offered = [m for m in methods if m in GUESSABLE]
        if not offered:
            return
        evidence = (
            f"{version} offers {' and '.join(m + ' authentication' for m in offered)}; "
            f"methods: {', '.join(methods)}"
        )
        yield self.finding(target, evidence, detail={"methods": methods, "offered": offered})
