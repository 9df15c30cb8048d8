"""checks/host/_updates.py: apt's simulated upgrade, the age of its lists and dnf/yum advisories,
on the lab hosts' recorded output, hand-written output and garbage."""

from __future__ import annotations

import pytest

from checks.host._updates import DATE, LISTS, apt_updates, list_age, newest_list, rpm_advisories
from scanner.api import Inconclusive
from tests.checks.host.lab_onsite import (
    HOSTILE,
    Replay,
    command_result,
    onsite_target,
    recorded,
    survives,
)

APT_WEAK = """NOTE: This is only a simulation!
Reading package lists...
The following packages will be upgraded:
  curl netbase
2 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.
Inst netbase [6.4] (6.4+lab1 Debian-Security:12/bookworm-security [all])
Inst curl [7.88.1-10] (7.88.1-10+deb12u5 Debian:12.6/stable [amd64])
Conf netbase (6.4+lab1 Debian-Security:12/bookworm-security [all])
Conf curl (7.88.1-10+deb12u5 Debian:12.6/stable [amd64])
"""


def test_recorded_simulations() -> None:
    [update] = apt_updates(recorded("weak", "apt-upgrade").text)
    assert (update.package, update.security) == ("netbase", True)
    assert update.candidate == update.installed + "+lab1"
    assert apt_updates(recorded("hardened", "apt-upgrade").text) == []


def test_apt_simulation() -> None:
    updates = apt_updates(APT_WEAK)
    assert [(u.package, u.installed, u.candidate, u.security) for u in updates] == [
        ("netbase", "6.4", "6.4+lab1", True),
        ("curl", "7.88.1-10", "7.88.1-10+deb12u5", False),
    ]
    assert str(updates[0]) == "netbase 6.4 -> 6.4+lab1 (Debian-Security:12/bookworm-security)"
    ubuntu = "1 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n"
    ubuntu += "Inst libssl3 [3.0.2-0ubuntu1.10] (3.0.2-0ubuntu1.12 Ubuntu:22.04/jammy-security, "
    ubuntu += "Ubuntu:22.04/jammy-updates [amd64]) []\n"
    [update] = apt_updates(ubuntu)
    assert update.security and update.candidate == "3.0.2-0ubuntu1.12"
    none = (
        "Calculating upgrade...\n0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n"
    )
    assert apt_updates(none) == []


def test_package_fields_from_the_host_are_cleaned() -> None:
    text = "1 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n"
    text += "Inst ev\x1b[2Jil [1] (2" + "9" * 500 + " x-security [all])\n"
    [update] = apt_updates(text)
    assert "\x1b" not in update.package and len(update.candidate) <= 120


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no summary line"),
        ("\x00garbage\xff", "no summary line"),
        (APT_WEAK[: APT_WEAK.index("Inst curl")], "announced 2 installs but listed 1"),  # cut
        (APT_WEAK.replace("Inst curl [7.88.1-10] (", "Inst curl ["), "unreadable line"),
    ],
)
def test_apt_garbage_is_inconclusive(text: str, reason: str) -> None:
    with pytest.raises(Inconclusive, match=reason):
        apt_updates(text)


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_output(text: str) -> None:
    assert survives(apt_updates, text) is None  # no summary line: never "no updates"
    assert survives(newest_list, text) is None
    assert survives(rpm_advisories, text) in (None, [])


def test_list_ages_and_rpm_advisories() -> None:
    listing = "1700000000.5 lock\n1690000000.25 x_Release\n1695000000.0 x_Packages\njunk\n"
    assert newest_list(listing) == 1695000000.0  # lock is not a list
    assert newest_list("") is None and newest_list("lock only\n") is None
    dnf = "FEDORA-2024-1a2b Important/Sec. openssl-3.1.1-4.fc39.x86_64\n"
    assert rpm_advisories(dnf) == [dnf.strip()]
    assert rpm_advisories("") == []
    with pytest.raises(Inconclusive, match="unreadable line"):
        rpm_advisories("Error: something went wrong here today\n")


def test_list_age_on_the_hosts_clock() -> None:
    replay = Replay(
        {
            DATE: command_result("1695086400\n"),
            LISTS: command_result("1695000000.0 x_Packages\n1694000000.0 y_Release\n"),
        }
    )
    assert list_age(onsite_target(), replay.ctx) == 1.0
    replay.answers[LISTS] = command_result("", stderr="find: not found", status=1)
    assert list_age(onsite_target(), replay.ctx) is None
    replay.answers[DATE] = command_result("\x1b[2Jnot a time\n")
    with pytest.raises(Inconclusive, match="not a time"):
        list_age(onsite_target(), replay.ctx)
