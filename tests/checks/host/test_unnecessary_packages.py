"""host.unnecessary-packages on the on-site lab hosts: the machine's inetutils-inetd on the weak
host; left out of the hardened host's fixture dpkg status."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.unnecessary-packages"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        ("package inetutils-inetd", "low", "unnecessary package installed: inetutils-inetd (dpkg)"),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
