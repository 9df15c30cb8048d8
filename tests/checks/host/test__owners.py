"""checks/host/_owners.py: which package owns each file, from ``dpkg -S`` and ``rpm -qf``, on the
lab hosts' recorded answers, hand-written ones and garbage."""

from __future__ import annotations

import pytest

from checks.host._owners import CHUNK, dpkg_owned, dpkg_owners, rpm_owned, rpm_owners
from scanner.api import Inconclusive
from tests.checks.host.lab_onsite import (
    HOSTILE,
    Replay,
    command_result,
    onsite_target,
    recorded,
    survives,
)

ASKED = ["/usr/bin/passwd", "/usr/local/sbin/lab-suid", "/bin/su"]


def test_recorded_dpkg_answers() -> None:
    answer = recorded("weak", "dpkg-s")
    owned = dpkg_owners(answer.text, answer.stderr.decode(), ASKED)
    assert owned == {"/usr/bin/passwd": True, "/usr/local/sbin/lab-suid": False, "/bin/su": True}


def test_dpkg_answers() -> None:
    out = "util-linux: /bin/su\nlibc6:amd64, libc6-dev:amd64: /lib/x\ndiversion by a from: /d\n"
    err = "dpkg-query: no path found matching pattern /usr/local/sbin/lab-suid\n"
    assert dpkg_owners(out, err, ["/bin/su", "/lib/x", "/usr/local/sbin/lab-suid"]) == {
        "/bin/su": True,
        "/lib/x": True,
        "/usr/local/sbin/lab-suid": False,
    }
    with pytest.raises(Inconclusive, match=r"no answer for /d .*database is locked"):
        dpkg_owners(out, "dpkg-query: database is locked\n", ["/d"])
    with pytest.raises(Inconclusive, match="no answer"):
        dpkg_owners("\x00garbage", "", ["/bin/su"])


def test_rpm_answers() -> None:
    out = "sudo-1.9.5-1.el9.x86_64\nfile /opt/x is not owned by any package\n"
    assert rpm_owners(out, ["/usr/bin/sudo", "/opt/x"]) == {"/usr/bin/sudo": True, "/opt/x": False}
    with pytest.raises(Inconclusive):
        rpm_owners("", ["/usr/bin/sudo"])  # no answer at all
    with pytest.raises(Inconclusive):
        rpm_owners("error: rpmdb: BDB0113 Thread/process failed\n", ["/usr/bin/sudo"])


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_answers_are_inconclusive(text: str) -> None:
    assert survives(lambda t: dpkg_owners(t, t, ["/bin/su"]), text) is None
    assert survives(lambda t: rpm_owners(t, ["/bin/su"]), text) in (None, {"/bin/su": True})


def test_merged_usr_asks_again_under_bin() -> None:
    missing = "dpkg-query: no path found matching pattern /usr/bin/su\n"
    replay = Replay(
        {
            "dpkg -S /usr/bin/su": command_result("", stderr=missing, status=1),
            "dpkg -S /bin/su": command_result("util-linux: /bin/su\n"),
        }
    )
    owned = dpkg_owned(onsite_target(), replay.ctx, ["/usr/bin/su", "/usr/bin/we*rd"], {"/bin"})
    assert owned == {"/usr/bin/su": True, "/usr/bin/we*rd": False}  # a pattern cannot be asked
    assert [c for c, _ in replay.asked] == ["dpkg -S /usr/bin/su", "dpkg -S /bin/su"]


def test_rpm_is_asked_in_chunks() -> None:
    files = [f"/opt/f{i}" for i in range(CHUNK + 1)]
    first = " ".join(files[:CHUNK])
    replay = Replay(
        {
            f"rpm -qf {first}": command_result("pkg-1\n" * CHUNK),
            f"rpm -qf {files[-1]}": command_result(
                f"file {files[-1]} is not owned by any package\n"
            ),
        }
    )
    owned = rpm_owned(onsite_target(), replay.ctx, files)
    assert sum(owned.values()) == CHUNK and owned[files[-1]] is False
    assert len(replay.asked) == 2
