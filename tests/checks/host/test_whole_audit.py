"""Every on-site check at once over the two lab hosts: the weak host's exact findings, nothing of
medium or higher risk on the hardened host, no error, and one SSH login per host."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.app.compile import compile_run
from scanner.app.feeds import import_feeds
from scanner.app.runs import start_run
from scanner.core.models import Severity
from scanner.inventory.schema import load_inventory
from scanner.store import Store
from tests.checks.host.lab_onsite import accepted_logins, onsite_inventory
from tests.lab import lab
from tests.unit.vulns.feeds import FEEDS

pytestmark = pytest.mark.lab

WEAK = {
    ("host.account-files-permissions", "/etc/shadow", "high"),
    ("host.admin-source-unrestricted", "ssh allowed accounts", "low"),
    ("host.admin-source-unrestricted", "ssh allowed sources", "low"),
    ("host.aide-missing", "aide", "low"),
    ("host.antimalware-missing", "anti-malware", "medium"),
    ("host.audit-log-unprotected", "/var/log/audit", "medium"),
    ("host.audit-log-unprotected", "/var/log/audit/audit.log", "medium"),
    ("host.audit-log-unprotected", "auditd max_log_file_action", "medium"),
    ("host.audit-logging-missing", "audit logging", "medium"),
    ("host.audit-not-immutable", "audit -e 2", "low"),
    ("host.audit-rules-missing", "audit rules", "medium"),
    ("host.auditd-not-running", "auditd process", "medium"),
    ("host.cleartext-login-service", "inetd telnet", "high"),
    ("host.cleartext-login-service", "package inetutils-telnetd", "high"),
    ("host.cleartext-login-service", "vsftpd /etc/vsftpd.conf", "high"),
    ("host.cron-permissions", "/etc/cron.allow", "low"),
    ("host.cron-permissions", "/etc/cron.d", "low"),
    ("host.cron-permissions", "/etc/cron.daily", "low"),
    ("host.cron-permissions", "/etc/cron.weekly", "low"),
    ("host.cron-permissions", "/etc/crontab", "low"),
    ("host.duplicate-account", "UID 0", "medium"),
    ("host.empty-password", "account guest", "critical"),
    ("host.firewall-inactive", "firewall", "medium"),
    ("host.hids-missing", "host IDS", "low"),
    ("host.kernel-sysctl-weak", "sysctl kernel.randomize_va_space", "low"),
    ("host.kernel-sysctl-weak", "sysctl net.ipv4.conf.all.accept_redirects", "low"),
    ("host.kernel-sysctl-weak", "sysctl net.ipv4.conf.all.accept_source_route", "low"),
    ("host.kernel-sysctl-weak", "sysctl net.ipv4.conf.all.send_redirects", "low"),
    ("host.kernel-sysctl-weak", "sysctl net.ipv4.ip_forward", "low"),
    ("host.kernel-sysctl-weak", "sysctl net.ipv4.tcp_syncookies", "low"),
    ("host.log-forwarding-missing", "log forwarding", "low"),
    ("host.log-retention-short", "logrotate /etc/logrotate.conf", "high"),
    ("host.log-retention-short", "logrotate /etc/logrotate.d/rsyslog", "high"),
    ("host.login-lockout-missing", "login lockout", "medium"),
    ("host.mac-not-enforcing", "mandatory access control", "medium"),
    ("host.password-hash-weak", "account olduser", "medium"),
    ("host.password-hash-weak", "login.defs ENCRYPT_METHOD", "medium"),
    ("host.password-history-missing", "password history", "low"),
    ("host.password-max-days", "login.defs PASS_MAX_DAYS", "medium"),
    ("host.password-min-days", "login.defs PASS_MIN_DAYS", "low"),
    ("host.password-quality", "password quality module", "medium"),
    ("host.pending-security-updates", "security updates", "high"),
    ("host.second-factor-missing", "second factor", "medium"),
    ("host.shell-timeout-missing", "shell TMOUT", "low"),
    ("host.ssh-empty-passwords", "sshd permitemptypasswords", "high"),
    ("host.ssh-idle-timeout", "sshd clientaliveinterval", "low"),
    ("host.ssh-max-auth-tries", "sshd maxauthtries", "low"),
    ("host.ssh-password-auth", "sshd passwordauthentication", "medium"),
    ("host.ssh-root-login", "sshd PermitRootLogin", "high"),
    ("host.ssh-x11-forwarding", "sshd x11forwarding", "low"),
    ("host.stale-account", "account olduser", "low"),
    ("host.stale-account", "useradd INACTIVE", "low"),
    ("host.su-unrestricted", "su pam_wheel", "low"),
    ("host.sudo-broad-grant", "sudo rule labdev", "medium"),
    ("host.sudo-broad-grant", "sudo rule labops", "medium"),
    ("host.sudo-nopasswd", "sudo rule labdev", "medium"),
    ("host.sudoers-permissions", "/etc/sudoers.d/lab-weak", "low"),
    ("host.system-account-login", "account games", "medium"),
    ("host.time-sync-missing", "time synchronisation", "low"),
    ("host.uid0-extra-account", "account toor", "critical"),
    ("host.umask-permissive", "umask /etc/login.defs", "low"),
    ("host.unnecessary-packages", "package inetutils-inetd", "low"),
    ("host.unusual-suid", "/usr/local/sbin/lab-suid", "medium"),
    ("host.world-writable-system-files", "/etc/lab-world-writable.conf", "high"),
}
#: logrotate files the lab writes; the weak host's other ones come from this machine's packages.
LAB_LOGROTATE = {"logrotate /etc/logrotate.conf", "logrotate /etc/logrotate.d/rsyslog"}


def lab_made(check_id: str, location: str) -> bool:
    return check_id != "host.log-retention-short" or location in LAB_LOGROTATE


def test_whole_audit_of_both_hosts(lab_state: lab.LabState, tmp_path: Path, db_url: str) -> None:
    current = lab.load_state(lab_state.state_dir) or lab_state  # the lab's tests restart it
    inv = load_inventory(onsite_inventory(current, tmp_path, known_hosts=current.known_hosts))
    store = Store.open(db_url)
    # the real Debian advisory for OpenSSH, which the machine's openssh has a backported fix of
    import_feeds(store, [FEEDS / "DSA-5724-1.json", FEEDS / "nvdcve-2.0-sample.json"])
    before = accepted_logins(current)
    result = start_run(compile_run(inv, "remote"), store)
    after = accepted_logins(current)
    assert {k: after[k] - before[k] for k in after} == {"onsite-weak": 1, "onsite-hardened": 1}
    found = store.attempts.findings(result.run_id)
    weak = {
        (f.check_id, f.location, f.severity)
        for f in found
        if f.asset_id == "weak" and lab_made(f.check_id, f.location)
    }
    assert weak == WEAK
    hardened = [
        f
        for f in found
        if f.asset_id == "hardened" and Severity(f.severity).rank >= Severity.MEDIUM.rank
    ]
    assert hardened == []
    assert [a for a in store.attempts.of_run(result.run_id) if a.status == "error"] == []
