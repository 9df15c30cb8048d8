"""host.audit-rules-missing on the on-site lab hosts: one watch rule on the weak host; the full set
on the hardened host. No auditctl in the lab, so the rules come from /etc/audit/rules.d (the
files auditd would load), which the fixtures write."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.audit-rules-missing"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "audit rules",
            "medium",
            "audit rules (/etc/audit/rules.d/weak.rules) miss: identity files (/etc/shadow, "
            "/etc/group, /etc/gshadow), sudoers, logins, time changes, privileged commands",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
