"""Matching what a host runs against the imported feeds; checks reach it as ``ctx.vulnerabilities``.

Two kinds of match, kept apart because they deserve different trust:

- :meth:`Matcher.packages`, **exact**: installed packages (or a banner's distribution revision)
  against the OSV advisories of the host's ecosystem and release, in that ecosystem's version
  ordering. A distribution that backported a fix has a fixed revision above the installed one
  only if the fix is missing, so backports are never reported.
- :meth:`Matcher.upstream`, **version-inferred**: an upstream product version (a banner, nmap's
  CPE) against NVD's CPE ranges. Distributions backport fixes without changing the upstream
  version, so such a match is a lead, never a confirmed vulnerability.

The matcher reads the store through a small reader protocol (the store's ``feeds`` aggregate),
loads each ecosystem's advisories once per run and indexes them by package. Each package's
range bounds are ranked once per run in the ecosystem's ordering (:mod:`scanner.vulns.ranking`),
so a host's version costs a bisection among a handful of univers comparisons the first time
the run meets that string, and integer comparisons after; a verdict is kept per package and
version, since a fleet's hosts run the same builds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from scanner.vulns.platform import describe, satisfied
from scanner.vulns.ranking import Ladder, Ranking
from scanner.vulns.versions import in_cpe_range, with_epoch_of

if TYPE_CHECKING:  # the types only: checks import this module through scanner.api
    from scanner.store.feeds import Advisory, CpeRange, CveFacts, FeedSource


class FeedReader(Protocol):
    """What the matcher reads (the store's ``store.feeds``)."""

    def sources(self) -> list[FeedSource]: ...
    def advisories(self, ecosystem: str) -> list[Advisory]: ...
    def cpe_ranges(self, vendor: str, product: str) -> list[CpeRange]: ...
    def cve_facts(self, cves: Iterable[str]) -> dict[str, CveFacts]: ...


@dataclass(frozen=True, slots=True)
class Installed:
    """One installed package as the host's package manager lists it.

    Attributes:
        name: the binary package (``openssh-server``).
        version: its version (``1:9.2p1-2+deb12u3``).
        source: the source package advisories name (Debian: ``openssh``); the name if none.
        source_version: the source package's version (Debian binNMUs differ); the version if
            none.
    """

    name: str
    version: str
    source: str = ""
    source_version: str = ""


@dataclass(frozen=True, slots=True)
class PackageVuln:
    """One vulnerable package: what is installed, what fixes it, and why.

    Attributes:
        package: the package advisories name (Debian: the source package).
        installed: its installed version.
        binaries: the installed binary packages built from it.
        fixed: the lowest version that fixes every advisory found (empty: no fix published).
        advisories: the advisory ids (``DSA-5724-1``).
        cves: the CVE ids they cover.
        cvss: the highest CVSS base score among them (NVD's), None when no feed gives one.
        known_exploited: CVEs of them in the KEV catalogue.
    """

    package: str
    installed: str
    binaries: tuple[str, ...]
    fixed: str
    advisories: tuple[str, ...]
    cves: tuple[str, ...]
    cvss: float | None
    known_exploited: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UpstreamVuln:
    """CVEs whose NVD ranges contain an upstream product version (version-inferred).

    Attributes:
        vendor / product / version: what was matched (CPE vendor and product names).
        cves: the matching CVE ids.
        cvss: the highest CVSS base score among them, None when NVD gives none.
        known_exploited: CVEs of them in the KEV catalogue.
        unverified: CVEs of them that NVD lists only on some platform (an ``AND``
            configuration) the host's known platform neither meets nor refutes, each with
            that condition in words (:func:`~scanner.vulns.platform.describe`).
    """

    vendor: str
    product: str
    version: str
    cves: tuple[str, ...]
    cvss: float | None
    known_exploited: tuple[str, ...]
    unverified: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class StaleFeed:
    """A feed older than allowed: its source, kind and age in days."""

    source: str
    kind: str
    age_days: float


class Matcher:
    """Matches for one run, against the feeds in the store when the run started."""

    def __init__(self, reader: FeedReader) -> None:
        self._reader = reader
        self._lock = threading.Lock()
        self._ecosystems: dict[str, dict[str, list[Advisory]]] = {}
        self._cpes: dict[tuple[str, str], list[CpeRange]] = {}
        self._facts: dict[str, CveFacts | None] = {}
        self._verdicts: dict[tuple[str, str, str, bool], PackageVuln | None] = {}
        self._rankings: dict[str, Ranking] = {}
        self._ladders: dict[tuple[str, str], Ladder] = {}
        self._shared: dict[tuple[str, str, tuple[int, ...]], PackageVuln | None] = {}
        self._sources: list[FeedSource] | None = None

    def sources(self) -> list[FeedSource]:
        """The imported feeds (read once)."""
        with self._lock:
            if self._sources is None:
                self._sources = self._reader.sources()
            return self._sources

    def has(self, kind: str) -> bool:
        """Whether a feed of ``kind`` (osv, nvd, kev) is imported."""
        return any(s.kind == kind for s in self.sources())

    def stale(
        self, kinds: Sequence[str], max_age_days: float, now: float | None = None
    ) -> list[StaleFeed]:
        """The feeds of ``kinds`` whose own date (else import time) is older than allowed."""
        now = time.time() if now is None else now
        found = []
        for source in self.sources():
            if source.kind not in kinds:
                continue
            age = (now - feed_time(source)) / 86400
            if age > max_age_days:
                found.append(StaleFeed(source.source, source.kind, round(age, 1)))
        return found

    def knows(self, ecosystem: str) -> bool:
        """Whether an imported OSV feed has advisories of ``ecosystem`` (``Debian:12``)."""
        return bool(self._index(ecosystem))

    def packages(
        self, ecosystem: str, installed: Iterable[Installed], *, epoch_of_bounds: bool = False
    ) -> list[PackageVuln]:
        """The vulnerable packages among ``installed`` on a host of ``ecosystem``
        (``Debian:12``), one per source package, by name. ``epoch_of_bounds``: the versions
        come without their epoch (a banner's), see :func:`~scanner.vulns.versions.affected`."""
        index = self._index(ecosystem)
        groups: dict[tuple[str, str], list[str]] = {}
        for package in installed:
            # advisories name source packages (Debian) or, in some RPM feeds, binary ones
            if (package.source or package.name) in index:
                key = (package.source or package.name, package.source_version or package.version)
            elif package.name in index:
                key = (package.name, package.version)
            else:
                continue
            groups.setdefault(key, []).append(package.name)
        result = []
        for (source, version), names in sorted(groups.items()):
            v = self._verdict(ecosystem, index, source, version, epoch_of_bounds)
            if v is not None:
                binaries = tuple(sorted(set(names)))
                result.append(
                    PackageVuln(
                        v.package,
                        version,
                        binaries,
                        v.fixed,
                        v.advisories,
                        v.cves,
                        v.cvss,
                        v.known_exploited,
                    )
                )
        return result

    def _verdict(
        self,
        ecosystem: str,
        index: dict[str, list[Advisory]],
        source: str,
        version: str,
        epoch_of_bounds: bool,
    ) -> PackageVuln | None:
        """What the advisories say of ``source`` at ``version``, once per run (a fleet's hosts
        run the same builds): the vulnerable package with ``installed`` and ``binaries`` left
        empty, shared by every version that lies in the same ranges; None if none."""
        key = (ecosystem, source, version, epoch_of_bounds)
        if key in self._verdicts:
            return self._verdicts[key]
        ladder = self._ladder(ecosystem, source, index[source])
        with ladder.ranking.lock:  # labels and ladder of one generation
            while True:  # a new version may renumber the ranking: then once more, with it known
                if not ladder.current:
                    ladder = self._ladder(ecosystem, source, index[source], rebuild=True)
                covering = _covering(ladder, version, epoch_of_bounds)
                if ladder.current:
                    break
            shared = (ecosystem, source, covering)
            if shared in self._shared:
                verdict = self._shared[shared]
            else:
                verdict = self._shared[shared] = self._vulnerable(ladder, source, covering)
        self._verdicts[key] = verdict  # a race computes it twice, with the same result
        return verdict

    def _vulnerable(
        self, ladder: Ladder, source: str, covering: tuple[int, ...]
    ) -> PackageVuln | None:
        """The vulnerable package the ranges ``covering`` (indexes in ``ladder``) make, without
        its installed version and binaries; None when they are none."""
        hits = [ladder.advisories[n] for n in covering]
        if not hits:
            return None
        cves = sorted({c for a in hits for c in a.aliases})
        facts = self.facts(cves)
        fixes = sorted({a.fixed for a in hits})
        return PackageVuln(
            package=source,
            installed="",
            binaries=(),
            fixed="" if "" in fixes else _highest(ladder.ranking, fixes),
            advisories=tuple(sorted({a.advisory for a in hits})),
            cves=tuple(cves),
            cvss=_max_cvss(facts, cves),
            known_exploited=tuple(c for c in cves if _kev(facts, c)),
        )

    def _ladder(
        self, ecosystem: str, package: str, advisories: list[Advisory], *, rebuild: bool = False
    ) -> Ladder:
        """``package``'s advisories of ``ecosystem`` labelled in its ordering, once per run
        (again after the ranking renumbered)."""
        key, base = (ecosystem, package), ecosystem.split(":", 1)[0]
        with self._lock:
            ladder = None if rebuild else self._ladders.get(key)
            if ladder is not None:
                return ladder
            ranking = self._rankings.get(base)
            if ranking is None:
                ranking = self._rankings[base] = Ranking(base)
        with ranking.lock:
            ladder = Ladder(ranking, advisories)
        with self._lock:
            self._ladders[key] = ladder
        return ladder

    def upstream(
        self, vendor: str, product: str, version: str, platform: Sequence[str] = ()
    ) -> UpstreamVuln | None:
        """The CVEs whose NVD CPE ranges for ``vendor:product`` contain ``version``, on a host
        whose known platform CPEs are ``platform`` (nmap's ``cpe:/o:...``, a banner's
        distribution): a range NVD gives only on another platform is left out; one whose
        platform cannot be told from ``platform`` counts, its CVE named as unverified."""
        key = (vendor.lower(), product.lower())
        with self._lock:
            ranges = self._cpes.get(key)
        if ranges is None:
            ranges = self._reader.cpe_ranges(*key)
            with self._lock:
                self._cpes[key] = ranges
        plain: set[str] = set()
        unverified: dict[str, dict[str, None]] = {}  # CVE -> its conditions, in feed order
        for r in ranges:
            if not in_cpe_range(
                version,
                r.version,
                r.start_including,
                r.start_excluding,
                r.end_including,
                r.end_excluding,
            ):
                continue
            met = satisfied(r.requires, platform) if r.requires else True
            if met:
                plain.add(r.cve)
            elif met is None:
                unverified.setdefault(r.cve, {})[describe(r.requires)] = None
        cves = sorted(plain | set(unverified))
        if not cves:
            return None
        facts = self.facts(cves)
        return UpstreamVuln(
            vendor,
            product,
            version,
            tuple(cves),
            _max_cvss(facts, cves),
            tuple(c for c in cves if _kev(facts, c)),
            tuple(
                (c, " or ".join(unverified[c])) for c in cves if c in unverified and c not in plain
            ),
        )

    def facts(self, cves: Iterable[str]) -> dict[str, CveFacts]:
        """CVSS and KEV status of each CVE the feeds know (cached for the run)."""
        wanted = set(cves)
        with self._lock:
            missing = [c for c in wanted if c not in self._facts]
        if missing:
            read = self._reader.cve_facts(missing)
            with self._lock:
                for cve in missing:
                    self._facts[cve] = read.get(cve)
        with self._lock:
            return {c: f for c in wanted if (f := self._facts.get(c)) is not None}

    def _index(self, ecosystem: str) -> dict[str, list[Advisory]]:
        with self._lock:
            index = self._ecosystems.get(ecosystem)
        if index is None:
            index = {}
            for advisory in self._reader.advisories(ecosystem):
                index.setdefault(advisory.package, []).append(advisory)
            # the CVSS and KEV facts of every CVE the ecosystem's advisories name, in a few
            # queries now rather than two per vulnerable package later
            self.facts({c for ranges in index.values() for a in ranges for c in a.aliases})
            with self._lock:
                self._ecosystems[ecosystem] = index
        return index


def _covering(ladder: Ladder, version: str, epoch_of_bounds: bool) -> tuple[int, ...]:
    """The indexes of ``ladder``'s ranges that contain ``version``; with ``epoch_of_bounds``,
    ``version`` takes each range's epoch (see :func:`~scanner.vulns.versions.affected`). The
    caller holds the ranking's lock."""
    ranking = ladder.ranking
    if not epoch_of_bounds or ":" in version:
        have = ranking.label(version)
        return () if have is None else ladder.covering(have)
    found = []
    for n, advisory in enumerate(ladder.advisories):
        bound = advisory.fixed or advisory.last_affected or advisory.introduced
        have = ranking.label(with_epoch_of(version, bound))
        if have is not None and n in ladder.covering(have):
            found.append(n)
    return tuple(found)


def _highest(ranking: Ranking, versions: Sequence[str]) -> str:
    """The highest of ``versions`` in the ranking's ordering (the one fixing them all): the
    first of equal ones, in the order given."""
    best, best_label = "", None
    for version in versions:
        label = ranking.label(version)
        if label is not None and (best_label is None or label > best_label):
            best, best_label = version, label
    return best


def _max_cvss(facts: dict[str, CveFacts], cves: Iterable[str]) -> float | None:
    scores = [f.cvss for c in cves if (f := facts.get(c)) is not None and f.cvss is not None]
    return max(scores) if scores else None


def _kev(facts: dict[str, CveFacts], cve: str) -> bool:
    found = facts.get(cve)
    return found is not None and found.known_exploited


def feed_time(source: FeedSource) -> float:
    """When the feed was published (its own date, UTC), else when it was imported."""
    try:
        return (
            datetime.strptime(source.version, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
        )
    except ValueError:
        return source.imported_at
