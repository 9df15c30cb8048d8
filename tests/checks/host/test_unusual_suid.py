"""host.unusual-suid on the on-site lab hosts (the weak host's lab-suid, owned by no package;
only the distribution's own on the hardened host), and the reading of ``find``'s list."""

from __future__ import annotations

import pytest

from checks.host._output import complete
from checks.host.unusual_suid import suid_files
from scanner.api import Inconclusive
from tests.checks.host.lab_onsite import Audit, recorded

ID = "host.unusual-suid"


@pytest.mark.lab
def test_weak_host_unowned_suid_program(onsite_audit: Audit) -> None:
    found = onsite_audit.found(ID, "weak")
    path = "/usr/local/sbin/lab-suid"
    assert {(loc, f.severity, f.evidence) for loc, f in found.items()} == {
        (path, "medium", f"{path} is set-user-ID or set-group-ID and owned by no package (dpkg -S)")
    }
    assert onsite_audit.attempt(ID, "weak").status == "fail"


@pytest.mark.lab
def test_hardened_host_passes(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")


def test_recorded_find_lists() -> None:
    weak = recorded("weak", "suid-find")
    files = suid_files(complete(weak.text, "find", weak.truncated))
    assert "/usr/local/sbin/lab-suid" in files and "/usr/bin/su" in files
    hardened = recorded("hardened", "suid-find")
    assert "/usr/local/sbin/lab-suid" not in suid_files(complete(hardened.text, "find", False))


def test_find_output() -> None:
    lines = complete("/usr/bin/su\n/usr/bin/su\n/x y\n#=scanner-end=#\n", "f", False)
    assert suid_files(lines) == ["/usr/bin/su", "/x y"]
    with pytest.raises(Inconclusive, match="not paths"):
        suid_files(["/usr/bin/su", "busybox: unknown option -perm"])
    with pytest.raises(Inconclusive, match="not paths"):
        suid_files(["\x1b[2J/usr/bin/su"])  # a control sequence is not a path
