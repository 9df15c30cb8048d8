"""host.system-account-login on the on-site lab hosts: the weak host's games account has /bin/sh
and a password hash (a SHA-512-shaped fixture no password matches); the hardened host's system
accounts have nologin or locked passwords (the machine's own accounts)."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.system-account-login"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "account games",
            "medium",
            "system account games (UID 5) has login shell /bin/sh and a usable password (sha512)",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
