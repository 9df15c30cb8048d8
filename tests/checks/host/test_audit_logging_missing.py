"""host.audit-logging-missing on the on-site lab hosts: on the weak host an auditd configured to
write no logs, a volatile journal and no syslog files; an audit trail on the hardened host."""

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
            "no audit trail: auditd writes no logs (/etc/audit/auditd.conf: write_logs = no); "
            "journald Storage=volatile (/etc/systemd/journald.conf); no rsyslog or syslog-ng "
            "configuration",
        )
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
