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
- on RPM hosts (RHEL family, openEuler, Kylin), ``nftables.service`` loads
  ``/etc/sysconfig/nftables.conf``, whose ``include`` lines name files of ``/etc/nftables``
  (followed), and iptables-services' ``iptables.service`` loads
  ``/etc/sysconfig/iptables`` (iptables-save format: an ``INPUT`` policy or rule that drops or
  rejects).

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

Commands run (read-only): ``cat /etc/nftables.conf``, ``cat /etc/ufw/ufw.conf``, one ``cat``
loop over ``/etc/sysconfig/nftables.conf``, ``/etc/nftables/*.nft`` and
``/etc/sysconfig/iptables``, and ``nft list ruleset``, ``iptables-save`` (under sudo when
allowed), ``find /etc/systemd/system -maxdepth 2 -path '*.wants/*'``.

Sample evidence::

    no firewall is enabled at boot: /etc/nftables.conf absent; ufw not enabled
    (/etc/ufw/ufw.conf absent); firewalld.service not enabled; live ruleset: nft: no input
    filtering; iptables-save: no input filtering
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator

from checks.host._files import cat_command, parse_files
from checks.host._firewall import (
    IPT_LIVE,
    NFT_LIVE,
    input_filter_chains,
    iptables_input_filtering,
    live_ruleset,
    ufw_enabled,
)
from checks.host._output import stderr_reason
from checks.host._units import WANTS, enabled_units
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    Inconclusive,
    Mode,
    OnsiteTarget,
    Severity,
)

NFT_CONF = "cat /etc/nftables.conf"
UFW_CONF = "cat /etc/ufw/ufw.conf"
SYSCONFIG_NFT, NFT_DIR, SYSCONFIG_IPT = (
    "/etc/sysconfig/nftables.conf",
    "/etc/nftables/",
    "/etc/sysconfig/iptables",
)
SYSCONFIG = cat_command((SYSCONFIG_NFT, NFT_DIR + "*.nft", SYSCONFIG_IPT), root=True)
INCLUDE = re.compile(r'^[^\S\n]*include[^\S\n]+"([^"\n]+)"', re.MULTILINE)


class FirewallInactive(Check):
    id = "host.firewall-inactive"
    title = "No host firewall filters incoming traffic"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-284", "MLPS-8.1.4.4c")
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
        f"sudo {SYSCONFIG}",
    )

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        wants = ctx.ssh_run(target, WANTS)
        if wants.exit_status != 0 or wants.truncated:
            why = stderr_reason(wants)
            raise Inconclusive(
                f"cannot list the units enabled at boot (/etc/systemd/system): {why}"
            )
        enabled = enabled_units(wants.text)
        nft_conf = self._read(target, ctx, NFT_CONF)
        ufw_conf = self._read(target, ctx, UFW_CONF)
        rpm, _ = parse_files(ctx.ssh_run(target, SYSCONFIG, root=True), "/etc/sysconfig")
        if rpm.unreadable:
            raise Inconclusive(f"cannot read {', '.join(rpm.unreadable)} (root or sudo needed)")
        from_sysconfig = nft_conf is None and SYSCONFIG_NFT in rpm.texts
        if from_sysconfig:
            nft_conf = sysconfig_nftables(rpm.texts)
        chains = input_filter_chains(nft_conf) if nft_conf is not None else []
        nft_enabled = "nftables.service" in enabled
        ufw_on = ufw_conf is not None and ufw_enabled(ufw_conf)
        ufw_service = "ufw.service" in enabled
        ipt_conf = rpm.texts.get(SYSCONFIG_IPT)
        ipt_filters = ipt_conf is not None and bool(iptables_input_filtering(ipt_conf))
        configured = [
            *(["nftables"] if chains and nft_enabled else []),
            *(["ufw"] if ufw_on and ufw_service else []),
            *(["firewalld"] if "firewalld.service" in enabled else []),
            *(["iptables"] if ipt_filters and "iptables.service" in enabled else []),
        ]
        live = live_ruleset(target, ctx)
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
        nft = _nftables_said(nft_conf, chains, from_sysconfig)
        if ipt_conf is not None:
            nft += (
                f"; {SYSCONFIG_IPT} filters input but iptables.service is not enabled"
                if ipt_filters
                else f"; {SYSCONFIG_IPT} does not filter input"
            )
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
                "ufw_service_enabled": ufw_service,
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
        why = "its output was cut at the size limit" if result.truncated else stderr_reason(result)
        raise Inconclusive(f"{path} could not be read: {why}")


def _nftables_said(conf: str | None, chains: list[str], sysconfig: bool) -> str:
    """What the finding says of nftables at boot."""
    path = SYSCONFIG_NFT if sysconfig else "/etc/nftables.conf"
    if conf is None:
        return "/etc/nftables.conf absent"
    if not chains:
        return f"{path} has no input chain that drops or rejects"
    return f"{path} filters input ({', '.join(chains)}) but nftables.service is not enabled"


def sysconfig_nftables(texts: dict[str, str]) -> str:
    """``/etc/sysconfig/nftables.conf`` with the files it includes from ``/etc/nftables`` put
    in place (commented includes, as Red Hat ships them, load nothing)."""
    main = re.sub(r"#[^\n]*", "", texts[SYSCONFIG_NFT])
    parts = [main]
    for name in INCLUDE.findall(main):
        parts += [
            texts[path]
            for path in sorted(texts)
            if path.startswith(NFT_DIR) and fnmatch.fnmatchcase(path, name)
        ]
    return "\n".join(parts)
