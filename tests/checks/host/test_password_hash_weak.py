"""host.password-hash-weak on the on-site lab hosts: ENCRYPT_METHOD MD5 and olduser's MD5-crypt-
shaped hash on the weak host; SHA512 and no weak hashes on the hardened host."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.password-hash-weak"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        ("account olduser", "medium", "account olduser has a md5 password hash"),
        (
            "login.defs ENCRYPT_METHOD",
            "medium",
            "/etc/login.defs: ENCRYPT_METHOD MD5 (new passwords get a weak hash)",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
