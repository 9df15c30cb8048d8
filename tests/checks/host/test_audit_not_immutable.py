"""host.audit-not-immutable on the on-site lab hosts: no ``-e 2`` on the weak host; ``-e 2`` in the
hardened host's 99-finalize.rules (files: auditctl -s cannot run in the lab)."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.audit-not-immutable"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "audit -e 2",
            "low",
            "audit configuration not locked: no '-e 2' rule (/etc/audit/rules.d/weak.rules)",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
