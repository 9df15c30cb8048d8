"""Versions of one ecosystem ranked once, so matching a fleet compares integers, not versions.

Comparing two versions in an ecosystem's ordering (univers: dpkg's, RPM's, apk's) costs
microseconds; a fleet's worst case (every host a different build of every package) asks for
hundreds of thousands of them. Yet the distinct version *strings* in play are few: the
advisories' bounds and the builds hosts run. :class:`Ranking` places each distinct string once
in a sorted list of univers versions (a bisection: a handful of univers comparisons) and gives
it an integer label that grows with the ordering; equal versions (``1.0`` and ``1.00`` in
dpkg's ordering) share one label. Every later question about that string is an integer
comparison. The ordering itself stays univers's: nothing here compares two versions any other
way than univers's ``<``.

Labels leave wide gaps (:data:`GAP`) so a version inserted between two others takes the middle
label and no other label moves; only when a gap is used up are all labels renumbered, which
bumps :attr:`Ranking.generation` so holders of old labels know to ask again.

:class:`Ladder` is one package's advisories in label form: each range's bounds labelled once
per run, and the advisories that cover each *cell* (a bound itself, or the span between two
bounds) worked out once, so a host's version costs one bisection over integers.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from scanner.vulns.versions import covers, parse

if TYPE_CHECKING:  # the types only: checks import this module through scanner.api
    from scanner.store.feeds import Advisory

#: The room left between neighbouring labels: 2**96 allows 96 versions each inserted between
#: the last two before a renumbering (real feeds need a dozen or so).
GAP = 1 << 96
_UNSEEN = object()


class Ranking:
    """Integer labels for the versions of one ordering (``Debian``, ``Rocky Linux``...).

    Thread-safe: a lock guards the sorted list; callers that combine several labels into one
    answer hold :attr:`lock` (re-entrant) across them, so a renumbering cannot fall between.
    """

    def __init__(self, ecosystem: str, *, gap: int | None = None) -> None:
        self.ecosystem = ecosystem
        self.lock = threading.RLock()
        self.generation = 0
        self._gap = GAP if gap is None else gap
        self._keys: list[Any] = []  # univers versions, ascending, no two equal
        self._labels: list[int] = []  # their labels, ascending
        self._of: dict[str, int | None] = {}  # version string -> label (None: unreadable)

    def label(self, version: str) -> int | None:
        """``version``'s label (equal versions, equal labels; a lower version, a lower label),
        None when it is not a version of this ordering."""
        with self.lock:
            found = self._of.get(version, _UNSEEN)
            if found is not _UNSEEN:
                return found  # type: ignore[return-value]  # an int or None, never _UNSEEN
            key = parse(self.ecosystem, version)
            label = None if key is None else self._place(key)
            self._of[version] = label
            return label

    def __len__(self) -> int:
        """How many distinct versions (by the ordering) are ranked."""
        return len(self._keys)

    def _place(self, key: Any) -> int:
        at = bisect_left(self._keys, key)  # univers's ``<``: keys[at - 1] < key <= keys[at]
        if at < len(self._keys) and not key < self._keys[at]:
            return self._labels[at]  # neither is lower: equal in the ordering
        low = self._labels[at - 1] if at else None
        high = self._labels[at] if at < len(self._labels) else None
        if low is None:
            label = 0 if high is None else high - self._gap
        elif high is None:
            label = low + self._gap
        elif high - low >= 2:
            label = (low + high) // 2
        else:
            self._keys.insert(at, key)
            self._renumber()
            return self._labels[at]
        self._keys.insert(at, key)
        self._labels.insert(at, label)
        return label

    def _renumber(self) -> None:
        """Spread every label ``gap`` apart again; labels given out before are void."""
        self._labels = [n * self._gap for n in range(len(self._keys))]
        self._of.clear()
        self.generation += 1


class Ladder:
    """One package's advisory ranges in a :class:`Ranking`, with the ranges covering each
    *cell* of the line of versions worked out once.

    The ranges' bounds, sorted, cut the line into cells: each bound is a cell, and so is each
    span strictly between two neighbouring bounds (and before the first, after the last).
    Every version of a cell lies in the same ranges, so they are asked of the cell once, in
    cell numbers (bound ``j`` is cell ``2j + 1``), with :func:`~scanner.vulns.versions.covers`.
    """

    def __init__(self, ranking: Ranking, advisories: Sequence[Advisory]) -> None:
        self.ranking = ranking
        self.advisories = tuple(advisories)
        self.generation = ranking.generation
        labelled = [_labels(ranking, a) for a in self.advisories]
        self._steps = sorted({n for bounds in labelled if bounds for n in bounds if n is not None})
        cell = {label: 2 * j + 1 for j, label in enumerate(self._steps)}
        self._ranges = [
            None if bounds is None else tuple(None if n is None else cell[n] for n in bounds)
            for bounds in labelled
        ]
        self._cells: dict[int, tuple[int, ...]] = {}

    @property
    def current(self) -> bool:
        """Whether the ranking has not renumbered since the ladder was built."""
        return self.generation == self.ranking.generation

    def covering(self, have: int) -> tuple[int, ...]:
        """The indexes (in :attr:`advisories`) of the ranges that contain the version labelled
        ``have``."""
        at = bisect_left(self._steps, have)
        cell = 2 * at + 1 if at < len(self._steps) and self._steps[at] == have else 2 * at
        found = self._cells.get(cell)
        if found is None:
            found = tuple(
                n
                for n, bounds in enumerate(self._ranges)
                if bounds is not None and covers(cell, *bounds)
            )
            self._cells[cell] = found
        return found


def _labels(ranking: Ranking, advisory: Advisory) -> tuple[int | None, ...] | None:
    """The labels of ``advisory``'s (introduced, fixed, last_affected), None for an absent
    bound; None for the whole when a bound present is not a version of the ordering (the range
    then matches nothing, as :func:`~scanner.vulns.versions.affected` has it). Only the bounds
    that ``affected`` reads are labelled: introduced unless ``0``, and fixed, else last."""
    wanted = (
        "" if advisory.introduced in ("", "0") else advisory.introduced,
        advisory.fixed,
        "" if advisory.fixed else advisory.last_affected,
    )
    labels = tuple(ranking.label(v) if v else None for v in wanted)
    if any(v and n is None for v, n in zip(wanted, labels, strict=True)):
        return None
    return labels
