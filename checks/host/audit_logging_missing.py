"""The host keeps no audit trail: neither auditd nor a persistent system log.

MLPS 2.0 (security audit) expects every host to record security-relevant events and keep them;
the Cybersecurity Law (article 21) expects the logs to be kept six months. A host keeps an
audit trail, for this check, when at least one of these holds:

- **auditd**: ``/etc/audit/auditd.conf`` exists, does not say ``write_logs = no``, and
  ``/etc/audit/audit.rules`` or ``/etc/audit/rules.d/*.rules`` hold at least one watch or
  syscall rule (``-w`` or ``-a``; control lines such as ``-D`` or ``-b`` alone record nothing);
- **journald, persistent**: the last ``Storage=`` in the ``[Journal]`` section of
  ``/etc/systemd/journald.conf`` and then ``/etc/systemd/journald.conf.d/*.conf`` (name order)
  is ``persistent``, or it is ``auto`` (the default) and ``/var/log/journal`` exists;
- **a syslog daemon writing files or forwarding**: an active rule in ``/etc/rsyslog.conf``,
  ``/etc/rsyslog.d/*.conf`` or ``/etc/syslog.conf`` whose action is a file (``/var/log/...``,
  ``-/var/log/...``), a remote server (``@host``, ``@@host``), or an ``omfile``/``omfwd``/
  ``omrelp`` action; or a ``syslog-ng.conf`` (``/etc/syslog-ng/``, with ``conf.d/*.conf``)
  with a ``file(``, ``network(``, ``syslog(``, ``tcp(`` or ``udp(`` destination used in a
  ``log`` statement.

Whether the daemons are enabled is not judged here (a configuration nobody runs is rare, and an
audit runs on live hosts). None of the three is a finding (location ``audit logging``) whose
evidence says what was seen of each. Output that was cut, or a relevant file that exists but
cannot be read (no sudo) while nothing else passes, is inconclusive.

Commands run (read-only): one ``cat`` loop over the files above, under sudo (``/etc/audit`` is
readable by root only), and ``[ -d /var/log/journal ]``, ``[ -x /etc/audit ]``.

Sample evidence::

    no audit trail: auditd not configured (/etc/audit/auditd.conf missing); journald
    Storage=volatile (/etc/systemd/journald.conf); no rsyslog or syslog-ng configuration
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._audit_trail import CONFIG_FILES, auditd, journald, syslog
from checks.host._files import cat_command, parse_files
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

JOURNAL_DIR = "journal-dir"
AUDIT_CLOSED = "audit-dir-closed"
COMMAND = cat_command(
    CONFIG_FILES,
    tail=f"[ -d /var/log/journal ] && echo {JOURNAL_DIR}; [ -d /etc/audit ] && "
    f"[ ! -x /etc/audit ] && echo {AUDIT_CLOSED}",
    root=True,
)


class AuditLoggingMissing(Check):
    id = "host.audit-logging-missing"
    title = "No audit logging: neither auditd nor a persistent system log"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-778", "CSL-21", "MLPS-8.1.4.3a")
    remediation = (
        "Keep an audit trail on disk: install and enable auditd with rules for logins, "
        "accounts and privileged commands (/etc/audit/rules.d), and set Storage=persistent in "
        "/etc/systemd/journald.conf or have rsyslog write /var/log files or forward them to a "
        "central log server."
    )
    commands = ("sudo " + COMMAND,)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        files, tail = parse_files(ctx.ssh_run(target, COMMAND, root=True), "the log configuration")
        verdicts = [auditd(files), journald(files, JOURNAL_DIR in tail.split()), syslog(files)]
        if any(ok for ok, _ in verdicts):
            return
        closed = ["/etc/audit"] if AUDIT_CLOSED in tail.split() else []
        if blocked := [*files.unreadable, *closed]:
            raise Inconclusive(f"cannot read {', '.join(blocked)} (no sudo?)")
        yield self.finding(
            target,
            "no audit trail: " + "; ".join(seen for _, seen in verdicts),
            location="audit logging",
        )
