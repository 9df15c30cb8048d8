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
    if epoch_of_bounds and ":" not in version:
        bound = fixed or last or introduced
        if ":" in bound:
            version = bound.split(":", 1)[0] + ":" + version
    have = parse(ecosystem, version)
    if have is None:
        return None
    if introduced not in ("", "0"):
        low = parse(ecosystem, introduced)
        if low is None:
            return None
        if have < low:
            return False
    if fixed:
        high = parse(ecosystem, fixed)
        return None if high is None else bool(have < high)
    if last:
        high = parse(ecosystem, last)
        return None if high is None else bool(have <= high)
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
