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

import paramiko

from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Finding,
    Inconclusive,
    NotApplicable,
    ServiceTarget,
    Severity,
)

PROBE_USER = "scanner-probe"
GUESSABLE = ("password", "keyboard-interactive")


def handshake(transport: paramiko.Transport, ctx: CheckContext) -> None:
    """Run the SSH key exchange as a client within the check's deadline."""
    budget = ctx.remaining()
    transport.banner_timeout = min(10.0, budget / 2)
    try:
        transport.start_client(timeout=max(0.1, budget - 0.5))
    except paramiko.SSHException as exc:
        if isinstance(exc.__context__, TimeoutError):
            raise Inconclusive(f"no SSH banner within the wait: {exc}") from exc
        raise NotApplicable(f"the service does not speak SSH: {exc}") from exc
    if transport.host_key is None:  # start_client returns quietly when its timeout passes
        raise Inconclusive("the SSH key exchange did not finish within the wait")


class SshPasswordAuth(Check):
    id = "net.ssh-password-auth"
    title = "SSH server offers password authentication"
    family = "network"
    severity = Severity.MEDIUM
    applies_to = AppliesTo(services=("ssh",))
    references = ("CWE-307", "CWE-521", "MLPS-8.1.4.1", "CSL-21")
    remediation = (
        "Set PasswordAuthentication no and KbdInteractiveAuthentication no in sshd_config (and "
        "PermitRootLogin prohibit-password or no), log in with keys or certificates only, and "
        "restrict who can reach port 22."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        with ctx.connect(target.address, target.service.port, read_limit=262144) as conn:
            transport = paramiko.Transport(conn.sock)
            try:
                handshake(transport, ctx)
                version = transport.remote_version
                try:
                    transport.auth_none(PROBE_USER)
                except paramiko.BadAuthenticationType as exc:
                    methods = list(exc.allowed_types)
                else:  # no authentication at all: worse than a password, report it as such
                    yield self.finding(
                        target,
                        f"{version} accepted the 'none' authentication method for {PROBE_USER}",
                        severity=Severity.HIGH,
                        detail={"methods": ["none"], "offered": ["none"]},
                    )
                    return
            finally:
                transport.close()
        offered = [m for m in methods if m in GUESSABLE]
        if not offered:
            return
        evidence = (
            f"{version} offers {' and '.join(m + ' authentication' for m in offered)}; "
            f"methods: {', '.join(methods)}"
        )
        yield self.finding(target, evidence, detail={"methods": methods, "offered": offered})
