"""The feeds aggregate: vulnerability feeds imported from files (``feed_*`` tables).

A *source* is one imported feed (``osv:Debian``, ``nvd``, ``kev``, or a name the importer
chose), with its version and import time. :meth:`Feeds.replace` swaps every row of a source in
one transaction while its entries stream in, so a reader sees the old feed or the new one, never
half of each, and an import that fails part-way leaves the old feed as it was. Parsing the files
is :mod:`scanner.vulns.parse`'s job; matching is :mod:`scanner.vulns.match`'s.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, astuple, dataclass, fields
from itertools import islice

from sqlalchemy import delete, insert, or_, select

from scanner.store.sql import Aggregate, chunks, insert_ignoring_duplicates
from scanner.store.tables import (
    feed_advisories,
    feed_cpe_ranges,
    feed_cves,
    feed_kev,
    feed_sources,
)

#: Rows written per INSERT while a feed streams in (bounded memory, few round trips).
BATCH = 5000
#: CVE ids looked up per query.
LOOKUP_CHUNK = 500


@dataclass(frozen=True, slots=True)
class FeedSource:
    """One imported feed: its name, kind (osv, nvd, kev), version, when, how many entries."""

    source: str
    kind: str
    version: str
    imported_at: float
    entries: int
    files: str


@dataclass(frozen=True, slots=True)
class Advisory:
    """One affected range of one package in an OSV advisory.

    Attributes:
        advisory: the advisory's id (``DSA-5724-1``).
        aliases: the CVE ids it covers.
        ecosystem: ``Debian:12``, ``Rocky Linux:9``...
        package: the package name as the ecosystem spells it (Debian: the source package).
        introduced: the first affected version (``"0"``: every earlier one).
        fixed: the first fixed version; empty when there is none (see ``last_affected``).
        last_affected: the last affected version when the advisory gives that instead.
        summary: the advisory's one-line summary.
    """

    advisory: str
    aliases: tuple[str, ...]
    ecosystem: str
    package: str
    introduced: str
    fixed: str
    last_affected: str
    summary: str


@dataclass(frozen=True, slots=True)
class Cve:
    """One NVD CVE: its id, CVSS base score (None when NVD gives none), vector, summary."""

    cve: str
    cvss: float | None
    vector: str
    summary: str


#: The ``criteria`` of a platform match that stands for alternatives the feed listed but the
#: import did not keep (scanner.vulns.parse.MAX_PLATFORM_MATCHES): met by no known platform,
#: refuted by none.
UNLISTED = "*"


@dataclass(frozen=True, slots=True)
class PlatformMatch:
    """One CPE match a platform condition names: its CPE 2.3 ``criteria``
    (``cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*``) and NVD's range bounds, empty when
    absent."""

    criteria: str
    start_including: str = ""
    start_excluding: str = ""
    end_including: str = ""
    end_excluding: str = ""


@dataclass(frozen=True, slots=True)
class CpeRange:
    """One vulnerable CPE match of a CVE: a product's exact ``version`` or a range (NVD's
    ``versionStartIncluding``... fields, empty when absent; ``version`` is then ``*``).

    ``requires``: the platform condition of an NVD ``AND`` configuration (an application
    vulnerable only on some operating system or hardware): every group must be met by the
    host, a group by any one of its matches. Empty: the match stands alone.
    """

    cve: str
    vendor: str
    product: str
    version: str
    start_including: str
    start_excluding: str
    end_including: str
    end_excluding: str
    requires: tuple[tuple[PlatformMatch, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Kev:
    """One entry of CISA's Known Exploited Vulnerabilities catalogue."""

    cve: str
    name: str
    date_added: str
    ransomware: str


FeedEntry = Advisory | Cve | CpeRange | Kev


@dataclass(frozen=True, slots=True)
class CveFacts:
    """What the feeds say about one CVE: CVSS (from NVD), and whether it is known exploited."""

    cve: str
    cvss: float | None
    vector: str
    summary: str
    known_exploited: bool
    kev_name: str


_TABLES = {
    Advisory: feed_advisories,
    Cve: feed_cves,
    CpeRange: feed_cpe_ranges,
    Kev: feed_kev,
}


#: Each entry type's field names (``asdict`` copies deeply: a third of an NVD import's time).
_FIELDS = {kind: tuple(f.name for f in fields(kind)) for kind in _TABLES}


def _row(source: str, entry: FeedEntry) -> dict[str, object]:
    row: dict[str, object] = {name: getattr(entry, name) for name in _FIELDS[type(entry)]}
    if isinstance(entry, Advisory):
        row["aliases"] = " ".join(entry.aliases)
    elif isinstance(entry, CpeRange):
        row["requires"] = _encode_requires(entry.requires)
    row["source"] = source
    return row


class Feeds(Aggregate):
    """Imported vulnerability feeds: replaced whole per source, read by the matcher."""

    def replace(
        self,
        source: str,
        kind: str,
        entries: Iterable[FeedEntry],
        *,
        summary: Callable[[], tuple[str, int]],
        files: Sequence[str],
        now: float,
    ) -> FeedSource:
        """Replace every row of ``source`` with ``entries`` (consumed as they stream in) in one
        transaction; ``summary()``, called once they are all read, gives the feed's version and
        entry count. An exception while reading rolls the whole import back."""
        with self._store.writer.begin() as conn:
            conn.execute(delete(feed_sources).where(feed_sources.c.source == source))
            for table in _TABLES.values():
                conn.execute(delete(table).where(table.c.source == source))
            iterator = iter(entries)
            while batch := list(islice(iterator, BATCH)):
                by_table: dict[type, list[dict[str, object]]] = {}
                for entry in batch:
                    by_table.setdefault(type(entry), []).append(_row(source, entry))
                for kind_of, rows in by_table.items():
                    table = _TABLES[kind_of]
                    if table is feed_cves or table is feed_kev:  # a CVE in two files: once
                        conn.execute(insert_ignoring_duplicates(conn, table), rows)
                    else:
                        conn.execute(insert(table), rows)
            version, count = summary()
            row = FeedSource(source, kind, version, now, count, " ".join(files)[:2000])
            conn.execute(insert(feed_sources).values(**asdict(row)))
        return row

    def sources(self) -> list[FeedSource]:
        """Every imported source, by name."""
        with self._store.engine.connect() as conn:
            rows = conn.execute(select(feed_sources).order_by(feed_sources.c.source))
            return [FeedSource(*r) for r in rows]

    def advisories(self, ecosystem: str) -> list[Advisory]:
        """The OSV ranges of ``ecosystem`` (``Debian:12``; also ``Ubuntu:22.04:LTS`` for
        ``Ubuntu:22.04``)."""
        c = feed_advisories.c
        query = select(
            c.advisory,
            c.aliases,
            c.ecosystem,
            c.package,
            c.introduced,
            c.fixed,
            c.last_affected,
            c.summary,
        ).where(or_(c.ecosystem == ecosystem, c.ecosystem.startswith(ecosystem + ":")))
        with self._store.engine.connect() as conn:
            return [Advisory(r[0], tuple(r[1].split()), *r[2:]) for r in conn.execute(query)]

    def cpe_ranges(self, vendor: str, product: str) -> list[CpeRange]:
        """The vulnerable CPE matches of ``vendor:product`` in every NVD source."""
        c = feed_cpe_ranges.c
        query = select(
            c.cve,
            c.vendor,
            c.product,
            c.version,
            c.start_including,
            c.start_excluding,
            c.end_including,
            c.end_excluding,
            c.requires,
        ).where(c.vendor == vendor, c.product == product)
        with self._store.engine.connect() as conn:
            return [CpeRange(*r[:-1], _decode_requires(r[-1])) for r in conn.execute(query)]

    def cve_facts(self, cves: Iterable[str]) -> dict[str, CveFacts]:
        """CVSS and KEV status of each of ``cves`` the feeds know (absent: none knows it)."""
        wanted = sorted(set(cves))
        found: dict[str, CveFacts] = {}
        with self._store.engine.connect() as conn:
            for chunk in chunks(wanted, LOOKUP_CHUNK):
                scores = {
                    r.cve: r
                    for r in conn.execute(
                        select(
                            feed_cves.c.cve,
                            feed_cves.c.cvss,
                            feed_cves.c.vector,
                            feed_cves.c.summary,
                        ).where(feed_cves.c.cve.in_(chunk))
                    )
                }
                kev = {
                    r.cve: r.name
                    for r in conn.execute(
                        select(feed_kev.c.cve, feed_kev.c.name).where(feed_kev.c.cve.in_(chunk))
                    )
                }
                for cve in chunk:
                    score = scores.get(cve)
                    if score is None and cve not in kev:
                        continue
                    found[cve] = CveFacts(
                        cve,
                        score.cvss if score is not None else None,
                        score.vector if score is not None else "",
                        score.summary if score is not None else "",
                        cve in kev,
                        kev.get(cve, ""),
                    )
        return found


def _encode_requires(requires: tuple[tuple[PlatformMatch, ...], ...]) -> str:
    """A platform condition as the ``requires`` column holds it: JSON, a list of groups, each a
    list of ``[criteria, start_including, start_excluding, end_including, end_excluding]``
    (trailing empty bounds left out); empty text for no condition."""
    if not requires:
        return ""
    groups = [[_trimmed(astuple(m)) for m in group] for group in requires]
    return json.dumps(groups, separators=(",", ":"))


def _trimmed(values: tuple[str, ...]) -> list[str]:
    kept = list(values)
    while len(kept) > 1 and not kept[-1]:
        kept.pop()
    return kept


def _decode_requires(text: str) -> tuple[tuple[PlatformMatch, ...], ...]:
    if not text:
        return ()
    return tuple(tuple(PlatformMatch(*m) for m in group) for group in json.loads(text))


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
