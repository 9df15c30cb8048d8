"""Logs are kept only on the host itself: nothing forwards them to a log server.

MLPS 2.0 level 3 (8.1.4.3 c) expects audit records protected and backed up; a log that exists
only on the host is lost with it and can be wiped by whoever takes it over. The check looks for
any one of:

- **rsyslog / syslogd**: an active rule forwarding to a remote host (``@host``, ``@@host``) or an
  ``omfwd``/``omrelp`` action, in ``/etc/rsyslog.conf``, ``/etc/rsyslog.d/*.conf`` or
  ``/etc/syslog.conf``;
- **syslog-ng**: a ``network(``, ``syslog(``, ``tcp(`` or ``udp(`` destination in
  ``/etc/syslog-ng/syslog-ng.conf`` or ``conf.d/*.conf``;
- **systemd-journal-upload**: ``URL=`` in ``/etc/systemd/journal-upload.conf`` and the service
  enabled at boot;
- **audisp-remote**: the au-remote plugin ``active = yes`` and a ``remote_server`` set.

None is a finding (location ``log forwarding``).

Commands run (read-only): one ``cat`` loop over the files above (under sudo: the audit folder is
root's); ``find /etc/systemd/system -maxdepth 2 -path '*.wants/*'``.

Sample evidence::

    no log forwarding: no rsyslog or syslog-ng rule forwards, no journal-upload URL, no
    audisp-remote server
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.host._auditd import REMOTE
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

SYSLOG = ("/etc/rsyslog.conf", "/etc/rsyslog.d/*.conf", "/etc/syslog.conf")
SYSLOG_NG = ("/etc/syslog-ng/syslog-ng.conf", "/etc/syslog-ng/conf.d/*.conf")
UPLOAD = "/etc/systemd/journal-upload.conf"
COMMAND = cat_command((*SYSLOG, *SYSLOG_NG, UPLOAD, *REMOTE), root=True)
# [^\S\n]*, not \s*, after ^ (a file of blank lines must not take quadratic time)
LEGACY = re.compile(r"^[^\S\n]*[^#\s$][^\n]*\s@{1,2}\(?[\w\[.:-]", re.MULTILINE)
ACTION = re.compile(r"type\s*=\s*\"(?:omfwd|omrelp)\"", re.IGNORECASE)
NG = re.compile(r"destination\s+[\w-]+\s*\{[^}]*\b(?:network|syslog|tcp|udp|tcp6|udp6)\(")
KEY = re.compile(r"^[^\S\n]*([\w-]+)[^\S\n]*=[^\S\n]*(\S[^\n]*)$", re.MULTILINE)


def _active(text: str) -> str:
    return "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))


def _keys(text: str) -> dict[str, str]:
    return {m.group(1).lower(): m.group(2).strip() for m in KEY.finditer(_active(text))}


class LogForwardingMissing(Check):
    id = "host.log-forwarding-missing"
    title = "Logs are not forwarded to a log server"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-779", "MLPS-8.1.4.3c")
    remediation = (
        "Forward the system and audit logs to the central log server: e.g. "
        "'*.* @@loghost:514' (or an omfwd action) in /etc/rsyslog.d/90-forward.conf, or "
        "systemd-journal-upload with URL= in /etc/systemd/journal-upload.conf, or the "
        "audisp-remote plugin for auditd."
    )
    commands = ("sudo " + COMMAND, WANTS)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        files, _ = parse_files(ctx.ssh_run(target, COMMAND, root=True), "the log configuration")
        for path, text in files.texts.items():
            active = _active(text)
            if path.startswith(("/etc/rsyslog", "/etc/syslog.conf")) and (
                LEGACY.search(active) or ACTION.search(active)
            ):
                return
            if path.startswith("/etc/syslog-ng/") and NG.search(active):
                return
        upload = _keys(files.texts.get(UPLOAD, "")).get("url")
        if upload:
            wants = ctx.ssh_run(target, WANTS)
            if wants.exit_status == 0 and "systemd-journal-upload.service" in enabled_units(
                wants.text
            ):
                return
        plugin = next((_keys(files.texts[p]) for p in REMOTE[:2] if p in files.texts), {})
        server = next(
            (_keys(files.texts[p]).get("remote_server") for p in REMOTE[2:] if p in files.texts),
            None,
        )
        if plugin.get("active", "").lower() == "yes" and server:
            return
        if files.unreadable:
            raise Inconclusive(f"cannot read {', '.join(files.unreadable)} (root or sudo needed)")
        upload_said = (
            "journal-upload URL but the service is not enabled"
            if upload
            else ("no journal-upload URL")
        )
        yield self.finding(
            target,
            f"no log forwarding: no rsyslog or syslog-ng rule forwards, {upload_said}, no "
            "audisp-remote server",
            location="log forwarding",
        )
