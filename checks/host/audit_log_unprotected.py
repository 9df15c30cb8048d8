"""The audit log can be read or changed by others, or auditd deletes old logs.

MLPS 2.0 level 3 (8.1.4.3 c) expects audit records protected against deletion, change and
overwriting. The check reads ``/etc/audit/auditd.conf`` and the mode and owner of the log
folder and files (``/var/log/audit``), and reports:

- ``max_log_file_action`` other than ``keep_logs`` (default ``rotate``: auditd deletes its oldest
  log after ``num_logs`` rotations; ``ignore``/``syslog``/``suspend`` stop or lose records);
- the log folder writable by group or others, or open to others (CIS: 0750 or stricter);
- a log file writable by group or others or readable by others (CIS: 0640 or stricter);
- a log folder or file not owned by root.

No auditd configuration is a finding (nothing protects an audit log that is not kept).

Commands run (read-only): the auditd probe (under sudo, shared by the auditd checks).

Sample evidence::

    /etc/audit/auditd.conf: max_log_file_action = rotate (auditd deletes its oldest log;
    want keep_logs)
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._auditd import AUDITD_CONF, COMMAND, LOG_DIR, auditd
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


class AuditLogUnprotected(Check):
    id = "host.audit-log-unprotected"
    title = "The audit log is not protected against change or deletion"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-732", "MLPS-8.1.4.3c")
    remediation = (
        "Set max_log_file_action = keep_logs in /etc/audit/auditd.conf (and archive the "
        "rotated logs to the central log server), chmod 0750 /var/log/audit, chmod 0640 "
        "/var/log/audit/*, and keep them owned by root."
    )
    commands = ("sudo " + COMMAND,)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        seen = auditd(target, ctx)
        if not seen.configured:
            yield self.finding(
                target,
                f"no audit log to protect: {AUDITD_CONF} missing (auditd not configured)",
                location="auditd.conf",
            )
            return
        action = seen.conf.get("max_log_file_action", "rotate")
        if action != "keep_logs":
            yield self.finding(
                target,
                f"{AUDITD_CONF}: max_log_file_action = {action} (auditd deletes or stops "
                "writing old logs; want keep_logs)",
                location="auditd max_log_file_action",
            )
        for path, (mode, owner, group, kind) in sorted(seen.logs.items()):
            folder = path == LOG_DIR
            bad = mode & (0o027 if folder else 0o137)
            if bad or owner != "root":
                want = "0750" if folder else "0640"
                yield self.finding(
                    target,
                    f"{path} ({kind}) has mode {mode:04o} owner {owner}:{group} (want {want}, "
                    "owned by root)",
                    location=path,
                )
