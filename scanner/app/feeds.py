"""Vulnerability feeds: importing feed files into the store and reporting each source's age.

``scanner feed import FILE...`` groups the files by source (``osv:Debian``, ``nvd``, ``kev``, or
``--source NAME``) and replaces each source in one transaction while its files stream in
(:mod:`scanner.vulns.parse`), so a failed import leaves the previous feed untouched. Nothing is
ever downloaded: docs/vulnerabilities.md says where each file comes from.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from scanner.core.errors import UserError
from scanner.store import Store
from scanner.store.feeds import FeedEntry, FeedSource
from scanner.vulns.match import Matcher, feed_time
from scanner.vulns.parse import FeedFile, Tally, detect, entries

#: Feeds older than this many days are called stale by ``scanner feed status`` (the checks have
#: their own setting, ``max_feed_age_days``).
STALE_DAYS = 30.0


@dataclass(frozen=True)
class SourceStatus:
    """One imported source and how old it is (days since the feed's own date)."""

    source: FeedSource
    age_days: float
    stale: bool


def import_feeds(
    store: Store, paths: Sequence[Path], *, source: str | None = None, now: float | None = None
) -> list[FeedSource]:
    """Import ``paths`` into ``store``, one transaction per source; the sources written."""
    if not paths:
        raise UserError("no feed file given. Fix: `scanner feed import FILE...`.")
    if source is not None and (not source.strip() or len(source) > 100):
        raise UserError("--source: give a name of 1 to 100 characters (e.g. nvd-2024).")
    files = [detect(path, source) for path in paths]
    groups: dict[str, list[FeedFile]] = {}
    for feed in files:
        groups.setdefault(feed.source, []).append(feed)
    written = []
    for name, group in groups.items():
        kinds = {f.kind for f in group}
        if len(kinds) > 1:
            raise UserError(
                f"source {name!r} would mix {' and '.join(sorted(kinds))} files "
                f"({', '.join(str(f.path) for f in group)}). Fix: import them under different "
                "--source names, or without --source."
            )
        tally = Tally()
        rows: Iterator[FeedEntry] = chain.from_iterable(entries(f, tally) for f in group)

        def summary(t: Tally = tally) -> tuple[str, int]:
            return t.version, t.entries

        written.append(
            store.feeds.replace(
                name,
                group[0].kind,
                rows,
                summary=summary,
                files=[f.path.name for f in group],
                now=time.time() if now is None else now,
            )
        )
    return written


def feed_status(
    store: Store, *, stale_days: float = STALE_DAYS, now: float | None = None
) -> list[SourceStatus]:
    """Every imported source with its age."""
    now = time.time() if now is None else now
    matcher = Matcher(store.feeds)
    stale = {s.source for s in matcher.stale(("osv", "nvd", "kev"), stale_days, now)}
    return [
        SourceStatus(s, round((now - feed_time(s)) / 86400, 1), s.source in stale)
        for s in matcher.sources()
    ]
