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
    ("host.audit-logging-missing", "audit logging", "medium"),
    ("host.empty-password", "account guest", "critical"),
    ("host.firewall-inactive", "firewall", "medium"),
    ("host.log-retention-short", "logrotate /etc/logrotate.conf", "high"),
    ("host.log-retention-short", "logrotate /etc/logrotate.d/rsyslog", "high"),
    ("host.password-max-days", "login.defs PASS_MAX_DAYS", "medium"),
    ("host.password-quality", "password quality module", "medium"),
    ("host.pending-security-updates", "security updates", "high"),
    ("host.ssh-empty-passwords", "sshd permitemptypasswords", "high"),
    ("host.ssh-max-auth-tries", "sshd maxauthtries", "low"),
    ("host.ssh-password-auth", "sshd passwordauthentication", "medium"),
    ("host.ssh-root-login", "sshd PermitRootLogin", "high"),
    ("host.ssh-x11-forwarding", "sshd x11forwarding", "low"),
    ("host.time-sync-missing", "time synchronisation", "low"),
    ("host.uid0-extra-account", "account toor", "critical"),
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
