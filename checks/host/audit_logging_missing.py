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

import re
from collections.abc import Iterator

from checks.host._files import Files, cat_command, parse_files
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

AUDITD = "/etc/audit/auditd.conf"
RULES = ("/etc/audit/audit.rules", "/etc/audit/rules.d/")
JOURNALD = ("/etc/systemd/journald.conf", "/etc/systemd/journald.conf.d/")
SYSLOG = ("/etc/rsyslog.conf", "/etc/rsyslog.d/", "/etc/syslog.conf")
SYSLOG_NG = ("/etc/syslog-ng/",)
JOURNAL_DIR = "journal-dir"
AUDIT_CLOSED = "audit-dir-closed"
COMMAND = cat_command(
    (
        AUDITD,
        "/etc/audit/audit.rules",
        "/etc/audit/rules.d/*.rules",
        "/etc/systemd/journald.conf",
        "/etc/systemd/journald.conf.d/*.conf",
        "/etc/rsyslog.conf",
        "/etc/rsyslog.d/*.conf",
        "/etc/syslog.conf",
        "/etc/syslog-ng/syslog-ng.conf",
        "/etc/syslog-ng/conf.d/*.conf",
    ),
    tail=f"[ -d /var/log/journal ] && echo {JOURNAL_DIR}; [ -d /etc/audit ] && "
    f"[ ! -x /etc/audit ] && echo {AUDIT_CLOSED}",
    root=True,
)
AUDIT_RULE = re.compile(r"^\s*-[wa]\s", re.MULTILINE)
# A legacy selector (facility.priority lists) or a property filter, then a file or remote action.
_SELECTOR = r"[\w*]+(?:,[\w*]+)*\.[!=<>]*[\w*]+"  # facility[,facility].priority
SYSLOG_RULE = re.compile(
    rf"^\s*(?:{_SELECTOR}(?:;{_SELECTOR})*|:\S+,\s*!?[\w-]+,\s*\".*\")"
    r"\s+-?(?:/|@{1,2}[\w\[.:-])",
    re.MULTILINE,
)
SYSLOG_ACTION = re.compile(
    r"(?:\bthen\s+-?(?:/|@)|type\s*=\s*\"(?:omfile|omfwd|omrelp)\")", re.IGNORECASE
)
NG_DESTINATION = re.compile(r"destination\s+[\w-]+\s*\{[^}]*\b(?:file|network|syslog|tcp|udp)\(")
NG_LOG = re.compile(r"\blog\s*\{")


def _active(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def auditd(files: Files) -> tuple[bool, str]:
    """Whether auditd records events, and what was seen."""
    if AUDITD not in files.texts:
        return False, f"auditd not configured ({AUDITD} missing)"
    conf = _active(files.texts[AUDITD])
    if re.search(r"^\s*write_logs\s*=\s*no\b", conf, re.MULTILINE | re.IGNORECASE):
        return False, f"auditd writes no logs ({AUDITD}: write_logs = no)"
    rules = sum(len(AUDIT_RULE.findall(files.texts[p])) for p in files.existing(*RULES))
    if not rules:
        return False, "auditd has no watch or syscall rules (/etc/audit/rules.d, audit.rules)"
    return True, f"auditd with {rules} rules"


def journald(files: Files, journal_dir: bool) -> tuple[bool, str]:
    """Whether journald keeps the journal on disk, and what was seen."""
    storage, source = "auto", "default"
    main, conf_d = JOURNALD
    paths = [main] if main in files.texts else []
    paths += sorted(p for p in files.texts if p.startswith(conf_d))
    for path in paths:
        section = ""
        for raw in files.texts[path].splitlines():
            line = raw.strip()
            if line.startswith("[") and line.endswith("]"):
                section = line
            elif section == "[Journal]" and (m := re.match(r"Storage\s*=\s*(\S*)", line)):
                storage, source = m.group(1).lower(), path
    if storage == "persistent" or (storage == "auto" and journal_dir):
        return True, f"journald Storage={storage} ({source})"
    if storage == "auto":
        return False, f"journald Storage=auto ({source}) and no /var/log/journal"
    return False, f"journald Storage={storage} ({source})"


def syslog(files: Files) -> tuple[bool, str]:
    """Whether rsyslog, syslogd or syslog-ng writes files or forwards, and what was seen."""
    legacy = files.existing(*SYSLOG)
    for path in legacy:
        text = _active(files.texts[path])
        if SYSLOG_RULE.search(text) or SYSLOG_ACTION.search(text):
            return True, f"syslog rules writing files or forwarding ({path})"
    ng = files.existing(*SYSLOG_NG)
    text = "\n".join(_active(files.texts[p]) for p in ng)
    if NG_DESTINATION.search(text) and NG_LOG.search(text):
        return True, f"syslog-ng destinations ({', '.join(ng)})"
    if legacy or ng:
        return False, f"no syslog rule writes a file or forwards ({', '.join(legacy + ng)})"
    return False, "no rsyslog or syslog-ng configuration"


class AuditLoggingMissing(Check):
    id = "host.audit-logging-missing"
    title = "No audit logging: neither auditd nor a persistent system log"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-778", "CSL-21", "MLPS-8.1.4.3")
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
