"""host.shell-timeout-missing on the on-site lab hosts: no TMOUT on the weak host; readonly
TMOUT=600 in /etc/profile.d/lab-tmout.sh on the hardened host (read from the files; the audit's
own shell is not a login shell)."""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit

pytestmark = pytest.mark.lab

ID = "host.shell-timeout-missing"


def test_weak_host_shows_the_weakness(onsite_audit: Audit) -> None:
    assert onsite_audit.failed(ID) == {
        (
            "shell TMOUT",
            "low",
            "no TMOUT in /etc/profile, /etc/profile.d/*.sh, /etc/bash.bashrc, /etc/bashrc: idle "
            "shells stay logged in",
        ),
    }


def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
