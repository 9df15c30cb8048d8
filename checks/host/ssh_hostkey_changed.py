"""SSH host key differs from the one on record.

Before the scanner logs in to an on-site host it compares the host key the SSH server presents
with the keys on record: the credential's ``known_hosts`` file and the keys pinned in the store
with ``scanner hostkeys approve``. A key that differs means the host was reinstalled or its keys
regenerated without notice, or that something between the scanner and the host is intercepting
the connection (a man in the middle collecting credentials). The login is aborted before any
credential is sent, this check reports the change, and every other on-site check of the host
ends as an inconclusive error attempt for the run. The check runs no command on the host; a key
that matches passes, and a host with no key on record is inconclusive (approve its key first).

Sample evidence::

    presented ssh-ed25519 SHA256:Hq0n2...; recorded ssh-ed25519 SHA256:uXq2F... (known_hosts
    /srv/inspection/known_hosts)
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    HostKeyChanged,
    Mode,
    OnsiteTarget,
    Severity,
)


class SshHostkeyChanged(Check):
    id = "host.ssh-hostkey-changed"
    title = "SSH host key differs from the one on record"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.HIGH
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-322", "CSL-21")
    remediation = (
        "Ask the entity whether the host's SSH keys were replaced, and compare the fingerprint "
        "on the host's console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) with the "
        "presented one; only when they agree, update known_hosts or revoke the old pin and "
        "approve the new key (scanner hostkeys revoke / approve). Otherwise treat the path to "
        "the host as compromised."
    )
    commands = ()  # only the SSH handshake: no login, no command

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        try:
            ctx.ssh_host_key(target)
        except HostKeyChanged as exc:
            yield self.finding(
                target,
                f"presented {exc.presented}; recorded {exc.expected}"
                + (f" ({exc.source})" if exc.source else ""),
                location="ssh host key 22/tcp",
                detail={"presented": exc.presented, "recorded": exc.expected, "source": exc.source},
            )
