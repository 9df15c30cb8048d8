"""host.kernel-sysctl-weak on the on-site lab hosts: /etc/sysctl.d/99-lab-weak.conf turns every key
off on the weak host; 60-lab-hardening.conf sets them on the hardened host. The files decide;
the live values in /proc/sys are this machine's and are used only for keys no file sets (none
here)."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.kernel-sysctl-weak"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "sysctl kernel.randomize_va_space",
            "low",
            "kernel.randomize_va_space = 0 (/etc/sysctl.d/99-lab-weak.conf; want 2)",
        ),
        (
            "sysctl net.ipv4.conf.all.accept_redirects",
            "low",
            "net.ipv4.conf.all.accept_redirects = 1 (/etc/sysctl.d/99-lab-weak.conf; want 0)",
        ),
        (
            "sysctl net.ipv4.conf.all.accept_source_route",
            "low",
            "net.ipv4.conf.all.accept_source_route = 1 (/etc/sysctl.d/99-lab-weak.conf; want 0)",
        ),
        (
            "sysctl net.ipv4.conf.all.send_redirects",
            "low",
            "net.ipv4.conf.all.send_redirects = 1 (/etc/sysctl.d/99-lab-weak.conf; want 0)",
        ),
        (
            "sysctl net.ipv4.ip_forward",
            "low",
            "net.ipv4.ip_forward = 1 (/etc/sysctl.d/99-lab-weak.conf; want 0)",
        ),
        (
            "sysctl net.ipv4.tcp_syncookies",
            "low",
            "net.ipv4.tcp_syncookies = 0 (/etc/sysctl.d/99-lab-weak.conf; want 1)",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
