"""What an audited host's log configuration records: auditd rules, journald's storage, and
syslog rules that write files or forward.

Each reader takes the files read with :mod:`checks.host._files` and answers whether that
component keeps an audit trail, with a one-line account of what it saw (the finding's evidence
is those lines joined). Commented lines never count; text that is not the component's syntax
matches nothing and so never passes.
"""

from __future__ import annotations

import re

from checks.host._files import Files

AUDITD = "/etc/audit/auditd.conf"
RULES = ("/etc/audit/audit.rules", "/etc/audit/rules.d/")
JOURNALD = ("/etc/systemd/journald.conf", "/etc/systemd/journald.conf.d/")
SYSLOG = ("/etc/rsyslog.conf", "/etc/rsyslog.d/", "/etc/syslog.conf")
SYSLOG_NG = ("/etc/syslog-ng/",)

#: Every file the readers use (shell globs for the ``.d`` folders), in reading order.
CONFIG_FILES = (
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
)

# [^\S\n]*, not \s*, after ^: \s* would run on over every following blank line, and a file of
# blank lines would take quadratic time.
AUDIT_RULE = re.compile(r"^[^\S\n]*-[wa]\s", re.MULTILINE)
# A legacy selector (facility.priority lists) or a property filter, then a file or remote action.
_SELECTOR = r"[\w*]+(?:,[\w*]+)*\.[!=<>]*[\w*]+"  # facility[,facility].priority
SYSLOG_RULE = re.compile(
    rf"^[^\S\n]*(?:{_SELECTOR}(?:;{_SELECTOR})*|:\S+,\s*!?[\w-]+,\s*\".*\")"
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
    if re.search(r"^[^\S\n]*write_logs\s*=\s*no\b", conf, re.MULTILINE | re.IGNORECASE):
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
