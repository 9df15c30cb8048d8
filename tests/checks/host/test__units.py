"""checks/host/_units.py: which services start at boot, from the lab hosts' recorded service
folders, hand-written links and garbage."""

from __future__ import annotations

import pytest

from checks.host._units import LINKS, enabled_units, services
from scanner.api import Inconclusive
from tests.checks.host.lab_onsite import HOSTILE, recorded, survives

END = "#=scanner-end=#\n"


def test_recorded_wants() -> None:
    weak = enabled_units(recorded("weak", "wants").text)
    hardened = enabled_units(recorded("hardened", "wants").text)
    assert "nftables.service" not in weak and "nftables.service" in hardened
    assert "ssh.service" in weak and "ssh.service" in hardened


def test_recorded_links() -> None:
    weak = services(recorded("weak", "links").text)
    hardened = services(recorded("hardened", "links").text)
    assert "/etc/systemd/system" in weak.dirs and "/etc/systemd/system" in hardened.dirs
    assert "systemd-timesyncd" not in weak.enabled
    assert "systemd-timesyncd" in hardened.enabled


def test_enabled_units() -> None:
    listing = (
        "/etc/systemd/system/multi-user.target.wants\n"
        "/etc/systemd/system/multi-user.target.wants/ufw.service\n"
        "/etc/systemd/system/sysinit.target.wants/nftables.service\n"
    )
    assert enabled_units(listing) == {"ufw.service", "nftables.service"}


def test_service_links() -> None:
    out = (
        "link /etc/systemd/system/multi-user.target.wants/chrony.service -> "
        "/lib/systemd/system/chrony.service\n"
        "link /etc/systemd/system/systemd-timesyncd.service -> /dev/null\n"
        "link /etc/rc2.d/S01ntp -> ../init.d/ntp\n"
        "link /etc/runlevels/default/openntpd -> /etc/init.d/openntpd\n"
        "garbage line\x00\ndir /etc/systemd/system\n" + END
    )
    found = services(out)
    assert found.enabled == {"chrony", "ntp", "openntpd"}
    assert found.masked == {"systemd-timesyncd"}
    assert found.dirs == {"/etc/systemd/system"}
    with pytest.raises(Inconclusive, match="no end mark"):
        services(out.removesuffix(END))


def test_links_command_ends_with_the_end_mark() -> None:
    assert LINKS.endswith("echo '#=scanner-end=#'")


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_listings(text: str) -> None:
    assert survives(enabled_units, text) == set()
    assert survives(services, text) is None  # no end mark
    found = survives(services, text + "\n" + END)
    assert found is not None and not found.enabled and not found.masked
