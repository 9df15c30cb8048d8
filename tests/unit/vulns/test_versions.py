"""Each ecosystem's version ordering (univers) and OSV/NVD range membership."""

from __future__ import annotations

import pytest

from scanner.vulns.versions import affected, in_cpe_range


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1:9.2p1-2+deb12u2", True),  # below the backported fix
        ("1:9.2p1-2+deb12u3", False),  # the fixed revision itself
        ("1:9.2p1-2+deb12u10", False),  # u10 > u3: numeric, not text order
        ("1:9.2p1-2+deb12u3~bpo1", True),  # ~ sorts before everything
        ("9.9p1-1", True),  # no epoch is epoch 0: below 1:anything
        ("2:1.0-1", False),  # a higher epoch wins over any version
    ],
)
def test_debian_ordering(version: str, expected: bool) -> None:
    assert affected("Debian:12", version, "0", "1:9.2p1-2+deb12u3", "") is expected


def test_banner_versions_take_the_epoch_of_the_bounds() -> None:
    # an SSH banner says 9.2p1-2+deb12u2 for the package 1:9.2p1-2+deb12u2
    fixed = "1:9.2p1-2+deb12u3"
    assert affected("Debian:12", "9.2p1-2+deb12u2", "0", fixed, "", epoch_of_bounds=True)
    assert not affected("Debian:12", "9.2p1-2+deb12u10", "0", fixed, "", epoch_of_bounds=True)
    assert affected("Debian:12", "9.2p1-2+deb12u10", "0", fixed, "")  # without: epoch 0 < 1


def test_rpm_ordering() -> None:
    assert affected("Rocky Linux:9", "8.7p1-38.el9", "0", "8.7p1-38.el9_4.1", "")
    assert not affected("Rocky Linux:9", "8.7p1-38.el9_4.1", "0", "8.7p1-38.el9_4.1", "")
    assert not affected("Rocky Linux:9", "8.7p1-43.el9", "0", "8.7p1-38.el9_4.1", "")


def test_last_affected_and_open_ranges() -> None:
    assert affected("Debian:12", "1.2-1", "0", "", "1.2-1")
    assert not affected("Debian:12", "1.2-2", "0", "", "1.2-1")
    assert affected("Debian:12", "7.0-1", "1.0-1", "", "")  # no fix yet
    assert not affected("Debian:12", "0.9-1", "1.0-1", "", "")
    assert affected("Debian:12", "", "0", "1.0", "") is None  # unreadable: cannot tell


@pytest.mark.parametrize(
    ("version", "expected"),
    [("9.2p1", True), ("8.5p1", True), ("9.8p1", False), ("9.10p1", False), ("4.3p2", True)],
)
def test_cpe_ranges_upstream(version: str, expected: bool) -> None:
    hits = in_cpe_range(version, "*", "8.5p1", "", "", "9.8p1") or in_cpe_range(
        version, "*", "", "", "", "4.4p1"
    )
    assert hits is expected


def test_cpe_exact_version_and_unbounded() -> None:
    assert in_cpe_range("9.2p1", "9.2p1", "", "", "", "")
    assert not in_cpe_range("9.3p1", "9.2p1", "", "", "", "")
    assert in_cpe_range("9.2p1", "*", "", "", "", "") is None  # "every version": no evidence


def test_alpine_last_affected_in_apk_order_not_text_order() -> None:
    # univers's <= of Alpine versions compares text ("2.12" <= "2.9"); the range asks < only
    assert not affected("Alpine:v3.19", "2.12.3-r1", "0", "", "2.9.0-r0")
    assert affected("Alpine:v3.19", "2.9.0-r0", "0", "", "2.9.0-r0")
    assert affected("Alpine:v3.19", "2.8.10-r0", "0", "", "2.9.0-r0")
