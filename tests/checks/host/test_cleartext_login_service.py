"""host.cleartext-login-service on the on-site lab hosts: the machine's inetutils-telnetd and plain
vsftpd packages and a telnet line in the weak host's inetd.conf; the hardened host's dpkg status
(in a copy of the machine's /var/lib/dpkg mounted over it) leaves them out and it has
no inetd.conf or vsftpd.conf."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.cleartext-login-service"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        ("inetd telnet", "high", "/etc/inetd.conf: telnet is enabled (clear-text login)"),
        (
            "package inetutils-telnetd",
            "high",
            "clear-text login server package installed: inetutils-telnetd (dpkg)",
        ),
        (
            "vsftpd /etc/vsftpd.conf",
            "high",
            "/etc/vsftpd.conf: vsftpd without ssl_enable=YES (FTP logins in clear text)",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
