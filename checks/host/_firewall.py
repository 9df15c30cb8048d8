"""Host firewall rulesets read back: nftables, iptables-save, ufw's switch, and the live ruleset.

The same nftables parser reads ``/etc/nftables.conf`` (what loads at boot) and ``nft list
ruleset`` (what is loaded now): both are the nftables language, with ``#`` comments and nested
``{ }`` blocks. Truncated or garbled text is read as far as it goes and finds nothing more;
iptables-save output that is not iptables-save output is said to be so (``None``), never read
as "no filtering". :func:`live_ruleset` runs ``nft list ruleset`` and ``iptables-save`` (as
root) and sums up what they show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from checks.host._output import stderr_reason
from scanner.api import CheckContext, OnsiteTarget, one_line

NFT_LIVE = "nft list ruleset"
IPT_LIVE = "iptables-save"

TABLE = re.compile(r"\btable\s+(?:(?:ip|ip6|inet|arp|bridge|netdev)\s+)?([^\s{]+)\s*\{")
CHAIN = re.compile(r"\bchain\s+([^\s{]+)\s*\{")
INPUT_HOOK = re.compile(r"\bhook\s+input\b")
DROPS = re.compile(r"\b(?:drop|reject)\b")
# [^\S\n]*, not \s*, after ^: \s* would run on over every following blank line, and a file of
# blank lines would take quadratic time.
UFW_ENABLED = re.compile(r"^[^\S\n]*ENABLED\s*=\s*\"?yes\"?\s*$", re.MULTILINE | re.IGNORECASE)
IPT_DROPS = re.compile(r"^(?::INPUT (?:DROP|REJECT)\b|-A INPUT\b.*?\s-j\s+(?:DROP|REJECT)\b)")
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


def ufw_enabled(conf: str) -> bool:
    """Whether ``/etc/ufw/ufw.conf`` says ``ENABLED=yes`` (ufw then loads its rules at boot)."""
    return bool(UFW_ENABLED.search(conf))


@dataclass(frozen=True)
class Live:
    """What the live ruleset shows: input filtering (None: unknown) and a summary."""

    filtering: bool | None
    summary: str


def live_ruleset(target: OnsiteTarget, ctx: CheckContext) -> Live:
    """Input filtering in the live ruleset (nftables and iptables), as far as readable."""
    parts, verdicts = [], []
    nft = ctx.ssh_run(target, NFT_LIVE, root=True)
    if nft.exit_status == 0 and not nft.truncated:
        chains = input_filter_chains(nft.text)
        verdicts.append(bool(chains))
        parts.append(
            f"nft: input filtered by {', '.join(chains)}" if chains else "nft: no input filtering"
        )
    else:
        parts.append(f"nft: not readable ({stderr_reason(nft)})")
    ipt = ctx.ssh_run(target, IPT_LIVE, root=True)
    saved = iptables_input_filtering(ipt.text) if ipt.exit_status == 0 else None
    if saved is not None and not ipt.truncated:
        verdicts.append(saved)
        parts.append(f"iptables-save: {'input' if saved else 'no input'} filtering")
    elif ipt.exit_status == 0:
        parts.append("iptables-save: output not understood")
    else:
        parts.append(f"iptables-save: not readable ({stderr_reason(ipt)})")
    filtering = True if any(verdicts) else (False if verdicts else None)
    return Live(filtering, "; ".join(parts))
