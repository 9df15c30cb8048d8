"""The SSH server's effective configuration on an audited host, read once per host and run.

``sshd -T`` prints the configuration sshd actually uses (defaults and includes resolved); it
needs root, so it runs as root the way the credential says (sudo or su). When it cannot run,
``/etc/ssh/sshd_config`` is read instead and the first occurrence of each keyword wins, as in
sshd (``Include`` files and ``Match`` blocks are not followed then; the evidence says which
source was used).
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.api import CheckContext, Inconclusive, OnsiteTarget


@dataclass(frozen=True)
class SshdConfig:
    """Keywords (lower case) to values, and where they were read from."""

    values: dict[str, str]
    source: str

    def get(self, keyword: str, default: str) -> str:
        """The value of ``keyword`` (lower case), or OpenSSH's ``default``."""
        return self.values.get(keyword.lower(), default)


def sshd_config(target: OnsiteTarget, ctx: CheckContext) -> SshdConfig:
    """The effective sshd configuration of ``target`` (commands shared by every sshd check)."""
    effective = ctx.ssh_run(target, "sshd -T", root=True)
    if effective.exit_status == 0 and effective.text.strip():
        return SshdConfig(_parse(effective.text, first_wins=False), "sshd -T")
    config = ctx.ssh_run(target, "cat /etc/ssh/sshd_config")
    if config.exit_status != 0:
        raise Inconclusive("neither `sshd -T` nor /etc/ssh/sshd_config could be read")
    return SshdConfig(_parse(config.text, first_wins=True), "/etc/ssh/sshd_config")


def _parse(text: str, *, first_wins: bool) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower().startswith("match "):
            break  # what follows applies only to some connections
        keyword, _, value = line.partition(" ")
        key = keyword.lower()
        if first_wins and key in values:
            continue
        values[key] = value.strip().lower()
    return values
