"""Ranked matching (scanner.vulns.ranking through Matcher.packages): OSV's range rules in each
ecosystem's own ordering, and the same answers as the one-version-one-range path
(``versions.affected``) on a generated set."""

from __future__ import annotations

import random
from collections.abc import Iterable

import pytest

from scanner.store.feeds import Advisory, CpeRange, CveFacts, FeedSource
from scanner.vulns import ranking
from scanner.vulns.match import Installed, Matcher
from scanner.vulns.ranking import Ranking
from scanner.vulns.versions import affected, parse


class Reader:
    """A feed reader holding advisories in memory (the matcher's FeedReader protocol)."""

    def __init__(self, advisories: Iterable[Advisory]) -> None:
        self.rows = list(advisories)

    def sources(self) -> list[FeedSource]:
        return []

    def advisories(self, ecosystem: str) -> list[Advisory]:
        return [a for a in self.rows if a.ecosystem.startswith(ecosystem)]

    def cpe_ranges(self, vendor: str, product: str) -> list[CpeRange]:
        return []

    def cve_facts(self, cves: Iterable[str]) -> dict[str, CveFacts]:
        return {}


def adv(
    ident: str, introduced: str = "0", fixed: str = "", last: str = "", *, eco: str = "Debian:12"
) -> Advisory:
    return Advisory(ident, (f"CVE-2024-{ident[-4:]}",), eco, "pkg", introduced, fixed, last, "")


def hits(advisories: list[Advisory], version: str, eco: str = "Debian:12", **kw: bool) -> set[str]:
    found = Matcher(Reader(advisories)).packages(eco, [Installed("pkg", version)], **kw)
    return {a for v in found for a in v.advisories}


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.9-1", set()),  # below introduced
        ("1.0-1", {"A-0001"}),  # introduced is affected
        ("1.4-1", {"A-0001"}),
        ("1.5-1", set()),  # fixed is not
        ("2.0-1", {"A-0002"}),  # last_affected is
        ("2.0-2", set()),
        ("3.0-1", {"A-0003"}),  # introduced, no fix yet: every later version
        ("99-1", {"A-0003"}),
    ],
)
def test_introduced_fixed_last_affected_and_several_ranges(
    version: str, expected: set[str]
) -> None:
    advisories = [
        adv("A-0001", "1.0-1", "1.5-1"),
        adv("A-0002", "1.9-1", last="2.0-1"),
        adv("A-0003", "3.0-1"),
    ]
    assert hits(advisories, version) == expected


def test_epochs_and_tilde_in_dpkg_order() -> None:
    fix = [adv("E-0001", "0", "1:9.2p1-2+deb12u3")]
    assert hits(fix, "1:9.2p1-2+deb12u2") == {"E-0001"}
    assert hits(fix, "1:9.2p1-2+deb12u3") == set()
    assert hits(fix, "1:9.2p1-2+deb12u10") == set()  # u10 > u3
    assert hits(fix, "1:9.2p1-2+deb12u3~bpo1") == {"E-0001"}  # ~ sorts before everything
    assert hits(fix, "9.9p1-1") == {"E-0001"}  # epoch 0 < 1
    assert hits(fix, "2:1.0-1") == set()
    assert hits(fix, "9.2p1-2+deb12u2", epoch_of_bounds=True) == {"E-0001"}  # a banner's
    assert hits(fix, "9.2p1-2+deb12u3", epoch_of_bounds=True) == set()


def test_rpm_epoch_version_release() -> None:
    rocky = [adv("R-0001", "0", "8.7p1-38.el9_4.1", eco="Rocky Linux:9")]
    assert hits(rocky, "8.7p1-38.el9", "Rocky Linux:9") == {"R-0001"}
    assert hits(rocky, "8.7p1-38.el9_4.1", "Rocky Linux:9") == set()
    assert hits(rocky, "8.7p1-43.el9", "Rocky Linux:9") == set()
    assert hits(rocky, "1:8.0-1.el9", "Rocky Linux:9") == set()  # the epoch wins


def test_unreadable_versions_match_nothing() -> None:
    assert hits([adv("U-0001", "0", "1.0-1")], "not a version") == set()
    assert hits([adv("U-0002", "0", "!!")], "0.5-1") == set()
    assert hits([adv("U-0003", "??", "2.0")], "1.0") == set()


def test_equal_versions_share_a_label_and_order_is_kept() -> None:
    ranks = Ranking("Debian")
    assert ranks.label("1.0-1") == ranks.label("1.00-1")  # dpkg: 0 and 00 are one number
    assert ranks.label("1.0~rc1-1") < ranks.label("1.0-1") < ranks.label("1:0.1-1")  # type: ignore[operator]
    assert ranks.label("") is None and ranks.label("x") is None
    assert len(ranks) == 3


def test_renumbering_keeps_the_order_and_voids_old_ladders(monkeypatch: pytest.MonkeyPatch) -> None:
    ranks = Ranking("Debian", gap=4)
    versions = ["0-1", *(f"{2**n}-1" for n in range(10, -1, -1))]
    for version in versions:  # each one between the first and the last: the gaps run out
        ranks.label(version)
    assert ranks.generation > 0
    by_label = sorted(versions, key=lambda v: ranks.label(v) or 0)
    assert by_label == ["0-1", *(f"{2**n}-1" for n in range(11))]
    # through the matcher: tiny gaps renumber often; answers stay those of the plain path
    monkeypatch.setattr(ranking, "GAP", 2)
    same_as_plain(random.Random(5), "Debian:12", debian_version, count=300, hosts=4)


# --- old path and new, on a generated set ---------------------------------------------------


def debian_version(rng: random.Random) -> str:
    epoch = rng.choice(["", "", "", "1:", "2:"])
    upstream = f"{rng.randint(0, 3)}.{rng.choice(['0', '00', '1', '2', '10'])}"
    upstream += rng.choice(["", "", "p1", "~rc1", "+dfsg", "~beta2"])
    revision = rng.choice(["", "-1", "-2", "-2+deb12u3", "-2+deb12u10", "-1~bpo1", "-0.1"])
    return epoch + upstream + revision


def rpm_version(rng: random.Random) -> str:
    epoch = rng.choice(["", "", "1:"])
    version = f"{rng.randint(0, 3)}.{rng.randint(0, 12)}" + rng.choice(["", "p1", "~rc1", "^git"])
    release = rng.choice(["1.el9", "38.el9", "38.el9_4.1", "38.el9_4.10", "2.el9~1"])
    return f"{epoch}{version}-{release}"


def alpine_version(rng: random.Random) -> str:
    version = f"{rng.randint(0, 3)}.{rng.randint(0, 12)}.{rng.randint(0, 3)}"
    return version + rng.choice(["", "_rc1", "_p2", "a"]) + rng.choice(["-r0", "-r1", "-r10"])


def same_as_plain(
    rng: random.Random,
    ecosystem: str,
    make: object,
    *,
    count: int = 1500,
    hosts: int = 30,
    epoch_of_bounds: bool = False,
) -> None:
    """Matcher.packages (ranked) finds, for every generated host package, exactly the
    advisories that ``affected`` (one version against one range) finds, and the same fix."""
    version = make  # a generator of versions of the ecosystem
    assert callable(version)
    packages = [f"p{n}" for n in range(25)]
    advisories = []
    for n in range(count):
        kind = rng.random()
        low = "0" if rng.random() < 0.4 else version(rng)
        if kind < 0.6:
            bounds = (low, version(rng), "")
        elif kind < 0.85:
            bounds = (low, "", version(rng))
        else:
            bounds = (low, "", "")
        advisories.append(
            Advisory(
                f"X-{n:05d}", (f"CVE-2025-{n:05d}",), ecosystem, rng.choice(packages), *bounds, ""
            )
        )
    matcher = Matcher(Reader(advisories))
    for _ in range(hosts):
        host = [
            Installed(p, version(rng).split(":")[-1] if epoch_of_bounds else version(rng))
            for p in packages
        ]
        found = {
            v.package: v for v in matcher.packages(ecosystem, host, epoch_of_bounds=epoch_of_bounds)
        }
        for package in host:
            mine = [a for a in advisories if a.package == package.name]
            plain = [
                a
                for a in mine
                if affected(
                    a.ecosystem,
                    package.version,
                    a.introduced,
                    a.fixed,
                    a.last_affected,
                    epoch_of_bounds=epoch_of_bounds,
                )
            ]
            got = found.get(package.name)
            assert (got.advisories if got else ()) == tuple(sorted(a.advisory for a in plain)), (
                package
            )
            if got is not None:
                assert got.installed == package.version
                assert got.fixed == plain_fix(ecosystem, plain)


def plain_fix(ecosystem: str, hits: list[Advisory]) -> str:
    """The fix the one-version path reported: the highest fixed version, by univers."""
    if any(not a.fixed for a in hits):
        return ""
    best, key = "", None
    for fixed in sorted({a.fixed for a in hits}):
        parsed = parse(ecosystem, fixed)
        if parsed is not None and (key is None or parsed > key):
            best, key = fixed, parsed
    return best


@pytest.mark.parametrize(
    ("ecosystem", "make"),
    [
        ("Debian:12", debian_version),
        ("Rocky Linux:9", rpm_version),
        ("Alpine:v3.19", alpine_version),
    ],
)
def test_ranked_matching_equals_the_plain_path(ecosystem: str, make: object) -> None:
    same_as_plain(random.Random(ecosystem), ecosystem, make)


def test_ranked_matching_equals_the_plain_path_with_epochs_of_bounds() -> None:
    same_as_plain(random.Random(9), "Debian:12", debian_version, epoch_of_bounds=True)
