"""auditd does not record the events MLPS expects: identity files, sudoers, logins, time
changes, privileged commands.

MLPS 2.0 level 3 (8.1.4.3 a and b) expects the audit to cover important user behaviour and
security events. The check reads the rules auditd has loaded (``auditctl -l`` as root) or,
where that cannot run, the rules it loads at start (``/etc/audit/rules.d/*.rules``, else
``/etc/audit/audit.rules``), and looks for each of:

- **identity**: watches (``-w PATH`` or ``-F path=PATH``) on /etc/passwd, /etc/shadow,
  /etc/group and /etc/gshadow;
- **sudoers**: a watch on /etc/sudoers or /etc/sudoers.d;
- **logins**: a watch on /var/log/lastlog, faillog, wtmp, btmp, tallylog or /var/run/faillock;
- **time changes**: a syscall rule naming adjtimex, settimeofday or clock_settime, or a watch
  on /etc/localtime;
- **privileged commands**: a rule on program execution (``-p x``, ``-F perm=x`` or ``-S
  execve``).

One finding (location ``audit rules``) lists what is missing; no auditd configuration at all is
a finding too (every category missing).

Commands run (read-only): the auditd probe (under sudo, shared by the auditd checks).

Sample evidence::

    audit rules (/etc/audit/rules.d/lab.rules) miss: time changes, privileged commands
"""

from __future__ import annotations

import re
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


def _watched(rules: tuple[str, ...], path: str) -> bool:
    pattern = re.compile(rf"(?:^-w\s+|\s-F\s+(?:path|dir)=){re.escape(path)}/?(?:\s|$)")
    return any(pattern.search(rule) for rule in rules)


def missing(rules: tuple[str, ...]) -> list[str]:
    """The categories of events ``rules`` do not record."""
    gaps = []
    identity = ("/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow")
    if unwatched := [p for p in identity if not _watched(rules, p)]:
        gaps.append(f"identity files ({', '.join(unwatched)})")
    if not any(_watched(rules, p) for p in ("/etc/sudoers", "/etc/sudoers.d")):
        gaps.append("sudoers")
    logins = ("lastlog", "faillog", "wtmp", "btmp", "tallylog")
    login_paths = [f"/var/log/{n}" for n in logins] + ["/var/run/faillock", "/run/faillock"]
    if not any(_watched(rules, p) for p in login_paths):
        gaps.append("logins")
    time_rule = re.compile(r"\b(?:adjtimex|settimeofday|clock_settime)\b")
    if not any(time_rule.search(r) for r in rules) and not _watched(rules, "/etc/localtime"):
        gaps.append("time changes")
    exec_rule = re.compile(r"(?:\s-p\s+[rwa]*x|\s-F\s+perm=[rwa]*x|\s-S\s+(?:\S+,)*execve\b)")
    if not any(exec_rule.search(" " + r) for r in rules):
        gaps.append("privileged commands")
    return gaps


class AuditRulesMissing(Check):
    id = "host.audit-rules-missing"
    title = "auditd does not record logins, account and sudoers changes, time changes or "
    title += "privileged commands"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-778", "MLPS-8.1.4.3a", "MLPS-8.1.4.3b")
    remediation = (
        "Add audit rules to /etc/audit/rules.d (e.g. the CIS or STIG sets shipped in "
        "/usr/share/doc/auditd/examples/rules): watches on /etc/passwd, /etc/shadow, "
        "/etc/group, /etc/gshadow, /etc/sudoers and /etc/sudoers.d, /var/log/lastlog and "
        "/var/run/faillock, rules for adjtimex, settimeofday and clock_settime, and an "
        "execution rule for each privileged program; then augenrules --load."
    )
    commands = ("sudo " + COMMAND,)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        seen = auditd(target, ctx)
        gaps = missing(seen.rules)
        if not gaps:
            return
        where = seen.source if seen.configured else "auditd not configured"
        yield self.finding(
            target,
            f"audit rules ({where}) miss: {', '.join(gaps)}",
            location="audit rules",
            detail={"missing": gaps, "source": seen.source},
        )
