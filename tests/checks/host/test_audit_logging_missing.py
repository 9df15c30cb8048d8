"""host.audit-logging-missing on the on-site lab hosts: neither auditd, a persistent journal nor
syslog files on the weak host; an audit trail on the hardened host."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.audit-logging-missing"


def test_weak_host_keeps_no_audit_trail(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "audit logging",
            "medium",
            "no audit trail: auditd not configured (/etc/audit/auditd.conf missing); journald "
            "Storage=volatile (/etc/systemd/journald.conf); no rsyslog or syslog-ng configuration",
        )
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
