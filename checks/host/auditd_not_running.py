"""The audit daemon (auditd) is not running.

MLPS 2.0 level 3 (8.1.4.3 a) expects security auditing enabled and covering every user; on
Linux the kernel's audit records reach disk only through auditd. A configuration nobody runs
records nothing, so this check looks for the running daemon: a process named ``auditd`` in
this host's mount namespace (as root: ``/proc/PID/ns/mnt`` against the shell's own; an auditd
of another container or host sharing the kernel does not count). host.audit-logging-missing
judges the wider audit trail (a persistent journal or syslog files also pass there).

Commands run (read-only): the auditd probe (under sudo, shared by the auditd checks; see
``checks/host/_auditd.py``).

Sample evidence::

    no auditd process in this host's mount namespace (auditd configured:
    /etc/audit/auditd.conf present)
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._auditd import AUDITD_CONF, COMMAND, auditd
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


class AuditdNotRunning(Check):
    id = "host.auditd-not-running"
    title = "The audit daemon (auditd) is not running"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-778", "MLPS-8.1.4.3a")
    remediation = (
        "Install and start auditd (Debian: apt install auditd; Red Hat: dnf install audit), "
        "enable it at boot (systemctl enable --now auditd) and load rules from "
        "/etc/audit/rules.d (augenrules --load)."
    )
    commands = ("sudo " + COMMAND,)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        seen = auditd(target, ctx)
        if seen.running:
            return
        conf = "present" if seen.configured else "missing"
        other = f"; {len(seen.elsewhere)} in other namespaces" if seen.elsewhere else ""
        yield self.finding(
            target,
            f"no auditd process in this host's mount namespace{other} (auditd configured: "
            f"{AUDITD_CONF} {conf})",
            location="auditd process",
        )
