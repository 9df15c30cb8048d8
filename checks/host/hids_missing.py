"""No host intrusion detection: nothing watches the host for attacks and raises alerts.

MLPS 2.0 level 3 (8.1.4.4 f) expects intrusions against important nodes detected and alerted
on. The check passes when a host intrusion detection agent is configured and enabled at boot:

- Wazuh or OSSEC: ``/var/ossec/etc/ossec.conf`` exists and ``wazuh-agent.service``,
  ``wazuh-manager.service`` or ``ossec.service`` is enabled;
- fail2ban: a jail with ``enabled = true`` in ``/etc/fail2ban/jail.local``,
  ``jail.d/*.conf`` or ``jail.d/*.local``, and ``fail2ban.service`` enabled.

Otherwise it is a finding that says what was seen.

Commands run (read-only): one ``cat`` loop over the files above;
``find /etc/systemd/system -maxdepth 2 -path '*.wants/*'``.

Sample evidence::

    no host intrusion detection: no Wazuh/OSSEC agent (/var/ossec/etc/ossec.conf absent), no
    fail2ban jail enabled
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.host._files import cat_command, parse_files
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

OSSEC = "/var/ossec/etc/ossec.conf"
JAILS = ("/etc/fail2ban/jail.local", "/etc/fail2ban/jail.d/*.conf", "/etc/fail2ban/jail.d/*.local")
COMMAND = cat_command((OSSEC, *JAILS), root=True)
ENABLED = re.compile(r"^[^\S\n]*enabled\s*=\s*(?:true|yes|1)\b", re.M | re.I)
OSSEC_UNITS = ("wazuh-agent.service", "wazuh-manager.service", "ossec.service")


class HidsMissing(Check):
    id = "host.hids-missing"
    title = "No host intrusion detection"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-778", "MLPS-8.1.4.4f")
    remediation = (
        "Deploy the organisation's host intrusion detection agent (e.g. Wazuh, reporting to "
        "the security management centre), or at least fail2ban with the sshd jail enabled and "
        "alerts mailed to the administrators."
    )
    commands = ("sudo " + COMMAND, WANTS)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        files, _ = parse_files(ctx.ssh_run(target, COMMAND, root=True), "the HIDS configuration")
        wants = ctx.ssh_run(target, WANTS)
        if wants.exit_status != 0:
            raise Inconclusive("cannot list the units enabled at boot (/etc/systemd/system)")
        enabled = enabled_units(wants.text)
        if OSSEC in files.texts and enabled & set(OSSEC_UNITS):
            return
        jails = [p for p in files.existing("/etc/fail2ban/") if ENABLED.search(files.texts[p])]
        if jails and "fail2ban.service" in enabled:
            return
        if files.unreadable:
            raise Inconclusive(f"cannot read {', '.join(files.unreadable)} (root or sudo needed)")
        ossec = (
            "Wazuh/OSSEC configured but not enabled at boot"
            if OSSEC in files.texts
            else f"no Wazuh/OSSEC agent ({OSSEC} absent)"
        )
        f2b = (
            f"fail2ban jails in {', '.join(jails)} but fail2ban.service not enabled"
            if jails
            else "no fail2ban jail enabled"
        )
        yield self.finding(
            target, f"no host intrusion detection: {ossec}, {f2b}", location="host IDS"
        )
