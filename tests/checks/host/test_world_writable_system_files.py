"""host.world-writable-system-files on the on-site lab hosts: the weak host's world-writable file
under /etc, none on the hardened host."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.world-writable-system-files"


def test_weak_host_world_writable_file(onsite_audit: Audit) -> None:
    found = onsite_audit.found(ID, "weak")
    path = "/etc/lab-world-writable.conf"
    assert {(loc, f.severity) for loc, f in found.items()} == {(path, "high")}
    assert found[path].evidence == f"world-writable: {path}"
    assert onsite_audit.attempt(ID, "weak").status == "fail"


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
