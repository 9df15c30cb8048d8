"""The audit rules can be changed or auditing stopped without a reboot (no ``-e 2``).

MLPS 2.0 level 3 (8.1.4.3 d) expects the audit process protected against unauthorised
interruption. ``-e 2`` as the last audit rule locks the configuration: until the next reboot no
one, root included, can delete rules or turn auditing off, so an intruder cannot stop it
quietly. The check reads ``auditctl -s`` (``enabled 2``) when it can run, else the last ``-e``
rule auditd loads (``/etc/audit/rules.d/*.rules``, else ``audit.rules``).

Commands run (read-only): the auditd probe (under sudo, shared by the auditd checks).

Sample evidence::

    audit configuration not locked: no '-e 2' rule (/etc/audit/rules.d/lab.rules)
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._auditd import COMMAND, auditd
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


class AuditNotImmutable(Check):
    id = "host.audit-not-immutable"
    title = "Audit rules are not locked against change (no -e 2)"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-778", "MLPS-8.1.4.3d")
    remediation = (
        "Add '-e 2' as the last audit rule (/etc/audit/rules.d/99-finalize.rules), then "
        "augenrules --load and reboot; rule changes then need a reboot."
    )
    commands = ("sudo " + COMMAND,)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        seen = auditd(target, ctx)
        if seen.status:
            if seen.status.get("enabled") == "2":
                return
            yield self.finding(
                target,
                f"audit configuration not locked: auditctl -s says enabled "
                f"{seen.status.get('enabled', '?')} (want 2)",
                location="audit -e 2",
            )
            return
        last = [r.split()[1] for r in seen.rules if r.startswith("-e ") and len(r.split()) > 1]
        if last and last[-1] == "2":
            return
        said = f"last -e is {last[-1]}" if last else "no '-e 2' rule"
        where = seen.source if seen.configured else "auditd not configured"
        yield self.finding(
            target, f"audit configuration not locked: {said} ({where})", location="audit -e 2"
        )
