"""SSH administration is open to every account or from every address.

MLPS 2.0 level 3 (8.1.4.4 c) expects the terminals that manage a host limited by access method
or network address. The check reads the effective sshd configuration (``sshd -T``) and the
boot-time access rules, and reports, each with its own location:

- **accounts**: no ``AllowUsers`` or ``AllowGroups`` (every account with a shell may log in);
- **sources**: no restriction of where SSH logins may come from: none of ``AllowUsers
  user@address``, a ``sshd:`` line in ``/etc/hosts.allow`` with ``ALL`` denied in
  ``/etc/hosts.deny`` (honoured only by an sshd built with TCP wrappers), an nftables rule
  with ``saddr`` for port 22 in ``/etc/nftables.conf``, an iptables rule with ``-s`` for port 22
  in ``/etc/iptables/rules.v4`` or ``/etc/sysconfig/iptables``, or firewalld zones that let SSH
  in only from listed sources: a zone with ``<source address=...>`` that carries the ssh service
  (or port 22), or a rich rule with a source accepting it, **and** no zone that takes every
  address (the default zone of ``/etc/firewalld/firewalld.conf``, ``public`` unless it says, or
  a zone bound to an interface) opening ssh to all. Zones are read from
  ``/etc/firewalld/zones`` over the shipped ``/usr/lib/firewalld/zones`` (whose ``public``
  opens ssh).

Commands run (read-only): ``sshd -T``; one ``cat`` loop over the files above (under sudo).

Sample evidence::

    SSH logins from any address: no AllowUsers user@host, no hosts.allow/hosts.deny pair, no
    source-filtered firewall rule for port 22
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.host._files import cat_command, parse_files
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

ALLOW, DENY = "/etc/hosts.allow", "/etc/hosts.deny"
FIREWALLS = ("/etc/nftables.conf", "/etc/iptables/rules.v4", "/etc/sysconfig/iptables")
ZONES = "/etc/firewalld/zones/"
SHIPPED_ZONES = "/usr/lib/firewalld/zones/"
FIREWALLD_CONF = "/etc/firewalld/firewalld.conf"
COMMAND = cat_command(
    (ALLOW, DENY, *FIREWALLS, FIREWALLD_CONF, SHIPPED_ZONES + "*.xml", ZONES + "*.xml"), root=True
)
NFT = re.compile(r"\bsaddr\b[^\n]{0,300}?\bdport\s+(?:\{[^}\n]{0,300}\b(?:22|ssh)\b|(?:22|ssh)\b)")
IPT = re.compile(r"^-A\s+\S+[^\n]{0,300}?\s-s\s+\S+[^\n]{0,300}?--dport\s+(?:22|ssh)\b", re.M)
# [^\S\n]*, not \s*, after ^: \s* would run on over every following blank line
WRAP_ALLOW = re.compile(r"^[^\S\n]*sshd[^\S\n]*:[^\S\n]*(?!ALL[^\S\n]*$)\S", re.M)
WRAP_DENY = re.compile(r"^[^\S\n]*(?:ALL|sshd)[^\S\n]*:[^\S\n]*ALL\b", re.M)


SSH = re.compile(r"<service\s+name=\"ssh\"|<port\s+port=\"22\"\s+protocol=\"tcp\"")
SOURCE = re.compile(r"<source\s+(?:address|ipset)=")
DEFAULT_ZONE = re.compile(r"^[^\S\n]*DefaultZone[^\S\n]*=[^\S\n]*(\S+)", re.M)


def firewalld_ssh_sources(texts: dict[str, str]) -> list[str]:
    """``firewalld zone NAME`` for each zone that lets SSH in from listed sources only, or
    nothing when a zone taking every address opens SSH to all (see the module docstring)."""
    zones = {
        path.rsplit("/", 1)[-1].removesuffix(".xml"): text
        for prefix in (SHIPPED_ZONES, ZONES)  # /etc overrides the shipped zone of that name
        for path, text in texts.items()
        if path.startswith(prefix)
    }
    default = DEFAULT_ZONE.findall(texts.get(FIREWALLD_CONF, ""))
    default_zone = default[-1] if default else "public"
    restricted = []
    for name, text in zones.items():
        zone_level, rules = _rich_rules(text)
        sourced = bool(SOURCE.search(zone_level))
        every = not sourced and (name == default_zone or "<interface " in zone_level)
        if not sourced and not every:
            continue  # bound to nothing: the zone filters no traffic
        if every and (SSH.search(zone_level) or 'target="ACCEPT"' in zone_level):
            return []
        for rule in rules:
            if SSH.search(rule) and "<accept" in rule:
                if not SOURCE.search(rule) and every:
                    return []
                restricted.append(name)
        if sourced and SSH.search(zone_level):
            restricted.append(name)
    return [f"firewalld zone {name}" for name in dict.fromkeys(restricted)]


def _rich_rules(zone: str) -> tuple[str, list[str]]:
    """A zone file's text outside its ``<rule>`` elements, and each rule's text (split in one
    pass: a regular expression over hostile text could take quadratic time)."""
    first, *pieces = zone.split("<rule")
    outside, rules = [first], []
    for piece in pieces:
        rule, _, rest = piece.partition("</rule>")
        rules.append(rule)
        outside.append(rest)
    return "".join(outside), rules


def _active(text: str) -> str:
    return "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))


class AdminSourceUnrestricted(Check):
    id = "host.admin-source-unrestricted"
    title = "SSH administration open to every account or from every address"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-284", "MLPS-8.1.4.4c")
    remediation = (
        "Name who may log in over SSH (AllowGroups sshusers, or AllowUsers admin@192.0.2.0/24 "
        "in /etc/ssh/sshd_config) and allow port 22 only from the management network in the "
        "host firewall (nftables: ip saddr 192.0.2.0/24 tcp dport 22 accept, then drop)."
    )
    commands = (*SSHD_COMMANDS, "sudo " + COMMAND)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        config = sshd_config(target, ctx)
        users = config.get("allowusers", "")
        groups = config.get("allowgroups", "")
        if not users and not groups:
            yield self.finding(
                target,
                f"{config.source}: no AllowUsers or AllowGroups: every account with a shell may "
                "log in over SSH",
                location="ssh allowed accounts",
            )
        files, _ = parse_files(ctx.ssh_run(target, COMMAND, root=True), "the access rules")
        texts = {p: _active(t) for p, t in files.texts.items()}
        sources = []
        if "@" in users:
            sources.append("AllowUsers user@host")
        if WRAP_ALLOW.search(texts.get(ALLOW, "")) and WRAP_DENY.search(texts.get(DENY, "")):
            sources.append("hosts.allow/hosts.deny")
        if NFT.search(texts.get(FIREWALLS[0], "")):
            sources.append("nftables saddr rule")
        if any(IPT.search(texts.get(p, "")) for p in FIREWALLS[1:]):
            sources.append("iptables -s rule")
        if files.existing(ZONES):
            sources += firewalld_ssh_sources(files.texts)
        if not sources:
            yield self.finding(
                target,
                "SSH logins from any address: no AllowUsers user@host, no hosts.allow/hosts.deny "
                "pair, no source-filtered firewall rule for port 22",
                location="ssh allowed sources",
            )
