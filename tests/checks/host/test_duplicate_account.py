"""host.duplicate-account on the on-site lab hosts: toor shares UID 0 with root on the weak host;
every UID, GID and name is unique on the hardened host."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.duplicate-account"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        ("UID 0", "medium", "UID 0 is shared by root, toor"),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
