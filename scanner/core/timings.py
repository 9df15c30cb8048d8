"""Where a run's time went: one span per phase (start-up, discovery, identification, checks,
reconciliation), on one clock, so that phases that overlap (a pipelined run) show it.

Any thread may add to a :class:`Timings`; a phase seen several times (one span per nmap batch,
one per identified port) keeps its first start, its last end and the sum of its spans' lengths
(``busy``: the work done, which may exceed the wall time of a phase done in parallel). No I/O.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

#: The phases in the order a run meets them (``scanner run --timings`` prints them so).
PHASES = (
    "start-up",
    "preflight",
    "discovery",
    "identification",
    "checks",
    "storage",
    "reconciliation",
)


@dataclass
class Phase:
    """One phase of a run.

    Attributes:
        start: when it first started (``time.monotonic()``).
        end: when it last ended.
        busy: the sum of its spans' lengths.
        spans: how many spans it was made of.
    """

    start: float
    end: float
    busy: float = 0.0
    spans: int = 0

    @property
    def seconds(self) -> float:
        """Its wall time, first start to last end."""
        return self.end - self.start


class Timings:
    """The phases of one run, added to by any thread."""

    def __init__(self, origin: float | None = None) -> None:
        #: What offsets are measured from (the process's start, when the CLI knows it).
        self.origin = time.monotonic() if origin is None else origin
        self.phases: dict[str, Phase] = {}
        self._lock = threading.Lock()

    def add(self, name: str, start: float, end: float) -> None:
        """One span of phase ``name``, from ``start`` to ``end`` (monotonic)."""
        with self._lock:
            phase = self.phases.get(name)
            if phase is None:
                phase = self.phases[name] = Phase(start, end)
            phase.start, phase.end = min(phase.start, start), max(phase.end, end)
            phase.busy += end - start
            phase.spans += 1

    @contextmanager
    def span(self, name: str) -> Iterator[None]:
        """Time the block as one span of phase ``name``."""
        start = time.monotonic()
        try:
            yield
        finally:
            self.add(name, start, time.monotonic())

    def ordered(self) -> list[tuple[str, Phase]]:
        """The phases seen, in :data:`PHASES` order (others after them, by start)."""
        with self._lock:
            items = list(self.phases.items())
        rank = {name: i for i, name in enumerate(PHASES)}
        return sorted(items, key=lambda kv: (rank.get(kv[0], len(PHASES)), kv[1].start))

    def overlap(self, first: str, second: str) -> float:
        """Seconds during which phases ``first`` and ``second`` both ran (0 if either is
        missing or they did not overlap)."""
        a, b = self.phases.get(first), self.phases.get(second)
        if a is None or b is None:
            return 0.0
        return max(0.0, min(a.end, b.end) - max(a.start, b.start))

    def as_json(self) -> dict[str, object]:
        """The phases as JSON: offsets from :attr:`origin`, wall and busy seconds, and the
        overlaps a pipelined run makes."""
        ends = [p.end for _, p in self.ordered()]
        return {
            "total": round(max(ends) - self.origin, 3) if ends else 0.0,
            "phases": {
                name: {
                    "start": round(p.start - self.origin, 3),
                    "end": round(p.end - self.origin, 3),
                    "seconds": round(p.seconds, 3),
                    "busy": round(p.busy, 3),
                    "spans": p.spans,
                }
                for name, p in self.ordered()
            },
            "overlap": {
                "checks_with_discovery": round(self.overlap("checks", "discovery"), 3),
                "checks_with_identification": round(self.overlap("checks", "identification"), 3),
                "identification_with_discovery": round(
                    self.overlap("identification", "discovery"), 3
                ),
            },
        }

    def lines(self) -> list[str]:
        """The phases as lines for a terminal."""
        out = []
        for name, p in self.ordered():
            out.append(
                f"  {name:<15} {p.start - self.origin:7.2f} s -> {p.end - self.origin:7.2f} s "
                f"= {p.seconds:6.2f} s wall, {p.busy:7.2f} s busy in {p.spans} spans"
            )
        data = self.as_json()["overlap"]
        assert isinstance(data, dict)
        out.append(
            "  overlap: checks ran {checks_with_discovery:.2f} s during discovery and "
            "{checks_with_identification:.2f} s during identification; identification "
            "{identification_with_discovery:.2f} s during discovery".format(**data)
        )
        return out
