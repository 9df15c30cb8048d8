"""host.audit-log-unprotected on the on-site lab hosts: the weak host's auditd.conf rotates its
logs away and its /var/log/audit is 0755 with a 0644 log; the hardened host keeps logs
(keep_logs) in a 0700 folder (fixture files, real modes)."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.audit-log-unprotected"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "/var/log/audit",
            "medium",
            "/var/log/audit (directory) has mode 0755 owner root:root (want 0750, owned by root)",
        ),
        (
            "/var/log/audit/audit.log",
            "medium",
            "/var/log/audit/audit.log (regular empty file) has mode 0644 owner root:root (want "
            "0640, owned by root)",
        ),
        (
            "auditd max_log_file_action",
            "medium",
            "/etc/audit/auditd.conf: max_log_file_action = rotate (auditd deletes or stops "
            "writing old logs; want keep_logs)",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
