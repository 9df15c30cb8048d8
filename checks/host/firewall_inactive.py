"""No host firewall is configured to filter incoming traffic.

A host firewall is the last filter between the network and every service that listens on the
host, including the ones nobody meant to expose. MLPS 2.0 expects access control at the host
as well as at the network border. The check decides on the firewall the host loads **at boot**,
which is what survives a reboot and what an administrator configured:

- nftables: ``/etc/nftables.conf`` has a chain on the ``input`` hook with ``policy drop`` or a
  ``drop``/``reject`` rule, **and** ``nftables.service`` is enabled (a link in
  ``/etc/systemd/system/*.wants/``). ``include`` files are not followed.
- ufw: ``/etc/ufw/ufw.conf`` says ``ENABLED=yes`` **and** ``ufw.service`` is enabled.
- firewalld: ``firewalld.service`` is enabled (its zones drop unsolicited input by design).

Any one of them passes; none is a finding that says what was missing. A host whose enabled
units cannot be listed (no ``/etc/systemd/system``), or whose firewall files cannot be read
(other than absent), is inconclusive.

The **live** ruleset (``nft list ruleset`` and ``iptables-save`` as root) is read when the
credential allows sudo and reported in the evidence, but by default it does not decide: the
live ruleset belongs to the network namespace, which containers and test hosts can share with
a machine whose rules the audited host does not control, and an unprivileged audit cannot read
it at all. With the setting ``require_loaded: true``, a configured firewall whose input
filtering is not in the live ruleset is a finding too (and an unreadable live ruleset makes
that inconclusive).

Commands run (read-only): ``cat /etc/nftables.conf``, ``cat /etc/ufw/ufw.conf`` and
``nft list ruleset``, ``iptables-save`` (under sudo when allowed), ``find /etc/systemd/system
-maxdepth 2 -path '*.wants/*'``.

Sample evidence::

    no firewall is enabled at boot: /etc/nftables.conf absent; ufw not enabled
    (/etc/ufw/ufw.conf absent); firewalld.service not enabled; live ruleset: nft: no input
    filtering; iptables-save: no input filtering
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    CommandResult,
    Finding,
    Inconclusive,
    Mode,
    OnsiteTarget,
    Severity,
    one_line,
)

NFT_CONF = "cat /etc/nftables.conf"
UFW_CONF = "cat /etc/ufw/ufw.conf"
WANTS = "find /etc/systemd/system -maxdepth 2 -path '*.wants/*'"
NFT_LIVE = "nft list ruleset"
IPT_LIVE = "iptables-save"

TABLE = re.compile(r"\btable\s+(?:(?:ip|ip6|inet|arp|bridge|netdev)\s+)?([^\s{]+)\s*\{")
CHAIN = re.compile(r"\bchain\s+([^\s{]+)\s*\{")
INPUT_HOOK = re.compile(r"\bhook\s+input\b")
DROPS = re.compile(r"\b(?:drop|reject)\b")
UFW_ENABLED = re.compile(r"^\s*ENABLED\s*=\s*\"?yes\"?\s*$", re.MULTILINE | re.IGNORECASE)
IPT_DROPS = re.compile(r"^(?::INPUT (?:DROP|REJECT)\b|-A INPUT .*\s-j\s+(?:DROP|REJECT)\b)")
IPT_LINE = re.compile(r"^(?:#.*|\*\w+|:\S+ \S+.*|-[AINP] .*|COMMIT|)$")


def _block(text: str, start: int) -> str:
    """The text from ``start`` to the brace that closes the block opened just before it (the
    rest of the text when it never closes: truncated or garbled input)."""
    depth = 1
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[start:index]
    return text[start:]


def input_filter_chains(ruleset: str) -> list[str]:
    """``table/chain`` of each nftables chain on the input hook that drops or rejects traffic
    (by policy or by a rule), in nftables.conf or ``nft list ruleset`` syntax."""
    text = re.sub(r"#[^\n]*", "", ruleset)
    tables = [(m.start(), m.group(1)) for m in TABLE.finditer(text)]
    found = []
    for match in CHAIN.finditer(text):
        body = _block(text, match.end())
        if INPUT_HOOK.search(body) and DROPS.search(body):
            table = next((name for pos, name in reversed(tables) if pos < match.start()), "?")
            found.append(one_line(f"{table}/{match.group(1)}", 80))  # target text
    return found


def iptables_input_filtering(saved: str) -> bool | None:
    """Whether ``iptables-save`` output drops or rejects input (policy or rule); None when the
    text is not iptables-save output."""
    table, filtering = "", False
    for raw in saved.splitlines():
        line = raw.rstrip()
        if not IPT_LINE.match(line):
            return None
        if line.startswith("*"):
            table = line[1:]
        elif table == "filter" and IPT_DROPS.match(line):
            filtering = True
    return filtering


def enabled_units(listing: str) -> set[str]:
    """Unit names linked from ``/etc/systemd/system/*.wants/`` in a ``find`` listing."""
    return {line.rsplit("/", 1)[-1] for line in listing.splitlines() if ".wants/" in line}


@dataclass(frozen=True)
class Live:
    """What the live ruleset shows: input filtering (None: unknown) and a summary."""

    filtering: bool | None
    summary: str


def _why(result: CommandResult) -> str:
    text = result.stderr.decode("utf-8", "replace").strip().splitlines()
    return one_line(text[0], 120) if text else f"exit status {result.exit_status}"


class FirewallInactive(Check):
    id = "host.firewall-inactive"
    title = "No host firewall filters incoming traffic"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-284", "MLPS-8.1.4.2", "MLPS-8.1.4.4")
    remediation = (
        "Enable a host firewall that drops unsolicited incoming traffic and loads at boot: "
        "nftables (an input chain with policy drop in /etc/nftables.conf, then systemctl "
        "enable --now nftables), ufw (ufw default deny incoming, ufw allow the needed ports, "
        "ufw enable) or firewalld (systemctl enable --now firewalld); allow only the services "
        "the host must offer."
    )
    commands = (
        WANTS,
        f"sudo {NFT_CONF}",
        f"sudo {UFW_CONF}",
        f"sudo {NFT_LIVE}",
        f"sudo {IPT_LIVE}",
    )

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        wants = ctx.ssh_run(target, WANTS)
        if wants.exit_status != 0 or wants.truncated:
            raise Inconclusive(
                f"cannot list the units enabled at boot (/etc/systemd/system): {_why(wants)}"
            )
        enabled = enabled_units(wants.text)
        nft_conf = self._read(target, ctx, NFT_CONF)
        ufw_conf = self._read(target, ctx, UFW_CONF)
        chains = input_filter_chains(nft_conf) if nft_conf is not None else []
        nft_enabled = "nftables.service" in enabled
        ufw_on = ufw_conf is not None and bool(UFW_ENABLED.search(ufw_conf))
        ufw_enabled = "ufw.service" in enabled
        configured = [
            *(["nftables"] if chains and nft_enabled else []),
            *(["ufw"] if ufw_on and ufw_enabled else []),
            *(["firewalld"] if "firewalld.service" in enabled else []),
        ]
        live = self._live(target, ctx)
        if configured:
            if not ctx.setting("require_loaded", False) or live.filtering:
                return
            if live.filtering is None:
                raise Inconclusive(f"{', '.join(configured)} is configured; {live.summary}")
            yield self.finding(
                target,
                f"{', '.join(configured)} is enabled at boot but its input filtering is not "
                f"loaded; live ruleset: {live.summary}",
                location="firewall",
                detail={"configured": configured, "live_filtering": False},
            )
            return
        if nft_conf is None:
            nft = "/etc/nftables.conf absent"
        elif not chains:
            nft = "/etc/nftables.conf has no input chain that drops or rejects"
        else:
            nft = f"/etc/nftables.conf filters input ({', '.join(chains)}) but nftables.service "
            nft += "is not enabled"
        if ufw_conf is None:
            ufw = "ufw not enabled (/etc/ufw/ufw.conf absent)"
        elif not ufw_on:
            ufw = "ufw not enabled (ENABLED is not yes in /etc/ufw/ufw.conf)"
        else:
            ufw = "ufw ENABLED=yes but ufw.service is not enabled"
        yield self.finding(
            target,
            f"no firewall is enabled at boot: {nft}; {ufw}; firewalld.service not enabled; "
            f"live ruleset: {live.summary}",
            location="firewall",
            detail={
                "nftables_input_chains": chains,
                "nftables_service_enabled": nft_enabled,
                "ufw_enabled": ufw_on,
                "ufw_service_enabled": ufw_enabled,
                "live_filtering": live.filtering,
            },
        )

    @staticmethod
    def _read(target: OnsiteTarget, ctx: CheckContext, command: str) -> str | None:
        """A firewall file's text, or None when it is absent."""
        result = ctx.ssh_run(target, command, root=True)
        if result.exit_status == 0 and not result.truncated:
            return result.text
        if result.exit_status != 0 and b"No such file or directory" in result.stderr:
            return None
        path = command.removeprefix("cat ")
        why = "its output was cut at the size limit" if result.truncated else _why(result)
        raise Inconclusive(f"{path} could not be read: {why}")

    @staticmethod
    def _live(target: OnsiteTarget, ctx: CheckContext) -> Live:
        """Input filtering in the live ruleset (nftables and iptables), as far as readable."""
        parts, verdicts = [], []
        nft = ctx.ssh_run(target, NFT_LIVE, root=True)
        if nft.exit_status == 0 and not nft.truncated:
            chains = input_filter_chains(nft.text)
            verdicts.append(bool(chains))
            parts.append(
                f"nft: input filtered by {', '.join(chains)}"
                if chains
                else "nft: no input filtering"
            )
        else:
            parts.append(f"nft: not readable ({_why(nft)})")
        ipt = ctx.ssh_run(target, IPT_LIVE, root=True)
        saved = iptables_input_filtering(ipt.text) if ipt.exit_status == 0 else None
        if saved is not None and not ipt.truncated:
            verdicts.append(saved)
            parts.append(f"iptables-save: {'input' if saved else 'no input'} filtering")
        elif ipt.exit_status == 0:
            parts.append("iptables-save: output not understood")
        else:
            parts.append(f"iptables-save: not readable ({_why(ipt)})")
        filtering = True if any(verdicts) else (False if verdicts else None)
        return Live(filtering, "; ".join(parts))
