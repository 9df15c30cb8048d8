"""Version ordering, each ecosystem by its own rules, through ``univers`` (no hand-made compare).

- Debian and Ubuntu (dpkg): epochs, upstream version, Debian revision, ``~`` sorting before
  everything (``1:9.2p1-2+deb12u3``).
- RPM families (Red Hat, Rocky Linux, AlmaLinux, Fedora, openSUSE, SUSE, Oracle, Mageia):
  epoch-version-release.
- Alpine: apk's ordering.
- Upstream versions from NVD and banners (``9.2p1``, ``2.4.57``): dpkg's algorithm on the upstream
  part, which orders digit runs numerically and letter runs as text (``9.2p1 < 9.8p1 < 9.10``);
  a bare upstream comparison is what makes a remote match *version-inferred* in the first place.

Parsed versions and range verdicts are cached: a fleet's hosts run the same few thousand
versions, so a run compares the same strings many times.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from univers.versions import AlpineLinuxVersion, DebianVersion, RpmVersion

RPM_ECOSYSTEMS = (
    "Red Hat",
    "Rocky Linux",
    "AlmaLinux",
    "Fedora",
    "openSUSE",
    "SUSE",
    "Oracle",
    "Mageia",
    "openEuler",
)
#: The OSV ecosystem names matched with each ordering (the part before the first ``:``).
ORDERINGS: dict[str, type[Any]] = {
    "Debian": DebianVersion,
    "Ubuntu": DebianVersion,
    "Alpine": AlpineLinuxVersion,
    **dict.fromkeys(RPM_ECOSYSTEMS, RpmVersion),
}
UPSTREAM = "upstream"


def supported(ecosystem: str) -> bool:
    """Whether versions of ``ecosystem`` (``Debian:12``) can be ordered here."""
    return ecosystem.split(":", 1)[0] in ORDERINGS or ecosystem == UPSTREAM


@lru_cache(maxsize=200_000)
def parse(ecosystem: str, version: str) -> Any | None:
    """``version`` in ``ecosystem``'s ordering (comparable with ``<``), None when it is not a
    version of that ecosystem."""
    base = ecosystem.split(":", 1)[0]
    kind = ORDERINGS.get(base, DebianVersion)
    text = version.strip()
    if kind is DebianVersion and ecosystem == UPSTREAM:
        text = text.replace("-", ".")  # an upstream 1.2-3 has no Debian revision
    try:
        return kind(text) if text else None
    except Exception:  # univers raises several types for unreadable versions
        return None


@lru_cache(maxsize=500_000)
def affected(
    ecosystem: str,
    version: str,
    introduced: str,
    fixed: str,
    last: str,
    *,
    epoch_of_bounds: bool = False,
) -> bool | None:
    """Whether ``version`` lies in OSV's range [introduced, fixed) or [introduced,
    last_affected] (no fix and no last: every version from introduced on); None when a
    version cannot be read in the ecosystem's ordering.

    ``epoch_of_bounds``: ``version`` comes without its epoch (an SSH banner says
    ``9.2p1-2+deb12u3`` for the package ``1:9.2p1-2+deb12u3``), so it takes the epoch of the
    range's bounds.
    """
    if epoch_of_bounds:
        version = with_epoch_of(version, fixed or last or introduced)
    have = parse(ecosystem, version)
    if have is None:
        return None
    low = None
    if introduced not in ("", "0"):
        low = parse(ecosystem, introduced)
        if low is None:
            return None
        if have < low:
            return False
    high = parse(ecosystem, fixed or last) if fixed or last else None
    if high is None and (fixed or last):
        return None
    return covers(have, low, high if fixed else None, None if fixed else high)


def with_epoch_of(version: str, bound: str) -> str:
    """``version`` with ``bound``'s epoch when it has none of its own (an SSH banner says
    ``9.2p1-2+deb12u3`` of the package ``1:9.2p1-2+deb12u3``)."""
    if ":" not in version and ":" in bound:
        return bound.split(":", 1)[0] + ":" + version
    return version


def covers(have: Any, low: Any | None, fixed: Any | None, last: Any | None) -> bool:
    """Whether ``have`` lies in [low, fixed), or [low, last] when there is no fix, or [low, ...)
    when there is neither (``low`` None: from the first version). The one definition of an OSV
    range, for univers versions (:func:`affected`) and for their ranks
    (:class:`~scanner.vulns.ranking.Ladder`) alike.

    Only ``<`` is asked: univers's ``<=`` of Alpine versions compares the strings as text
    (``2.12.3-r0 <= 2.9.0-r0``), while its ``<`` follows apk."""
    if low is not None and have < low:
        return False
    if fixed is not None:
        return bool(have < fixed)
    if last is not None:
        return not last < have
    return True


def in_cpe_range(
    version: str, exact: str, start_incl: str, start_excl: str, end_incl: str, end_excl: str
) -> bool | None:
    """Whether an upstream ``version`` matches one NVD CPE match: its exact version, or its
    range bounds; None when a version cannot be read."""
    if exact not in ("*", "-", ""):
        a, b = parse(UPSTREAM, version), parse(UPSTREAM, exact)
        return None if a is None or b is None else bool(a == b)
    if not (start_incl or start_excl or end_incl or end_excl):
        return None  # every version of the product: says nothing about this one
    have = parse(UPSTREAM, version)
    if have is None:
        return None
    bounds: tuple[tuple[str, Callable[[Any, Any], bool]], ...] = (
        (start_incl, operator.ge),
        (start_excl, operator.gt),
        (end_incl, operator.le),
        (end_excl, operator.lt),
    )
    for bound, ok in bounds:
        if bound:
            limit = parse(UPSTREAM, bound)
            if limit is None:
                return None
            if not ok(have, limit):
                return False
    return True
