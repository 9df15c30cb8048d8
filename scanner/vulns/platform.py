"""NVD platform conditions (``AND`` configurations) checked against what is known of a host.

NVD writes "this application is vulnerable only on that platform" as a configuration with
``operator: AND``: a node of vulnerable application matches and a node of operating systems or
hardware (``vulnerable: false``). The import keeps the platform node as the range's condition
(:attr:`~scanner.store.feeds.CpeRange.requires`); here it is checked against the host's platform
CPEs (nmap's ``cpe:/o:...`` beside a service, a banner's distribution release) with three
answers, because what a remote scan knows of a platform is partial:

- **met** (True): a platform CPE of the host is the one named, in its version range;
- **refuted** (False): the host's platform is known and is another one: another operating
  system family (``microsoft:windows`` for a Linux host), another product of the same family
  (``debian:debian_linux`` for ``canonical:ubuntu_linux``), the same product outside the range;
- **unknown** (None): nothing known, or too little (nmap's bare ``linux:linux_kernel`` neither
  confirms nor refutes ``debian:debian_linux:12``; hardware is never seen from the network).

A condition is met when each of its groups is met by one of its alternatives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

from scanner.vulns.versions import in_cpe_range

if TYPE_CHECKING:  # the types only: checks import this module through scanner.api
    from scanner.store.feeds import PlatformMatch

#: Splits a CPE 2.3 formatted string on its unescaped colons.
CPE_SPLIT = re.compile(r"(?<!\\):")
ANY = ("", "*", "-")
#: Operating systems that say little on their own: a host known only as "Linux" may run any
#: distribution, one known only as "Windows" any release.
GENERIC = {("linux", "linux_kernel"), ("microsoft", "windows")}
#: Vendor and product of Linux distributions in NVD's dictionary (one family with the kernel).
LINUX = {
    ("linux", "linux_kernel"),
    ("debian", "debian_linux"),
    ("canonical", "ubuntu_linux"),
    ("redhat", "enterprise_linux"),
    ("fedoraproject", "fedora"),
    ("rockylinux", "rocky_linux"),
    ("almalinux", "almalinux"),
    ("oracle", "linux"),
    ("centos", "centos"),
    ("opensuse", "leap"),
    ("suse", "linux_enterprise_server"),
    ("alpinelinux", "alpine_linux"),
    ("amazon", "linux_2"),
}
#: OSV ecosystems (the part before ``:``) -> the NVD operating system CPE of their releases.
ECOSYSTEM_OS = {
    "Debian": "debian:debian_linux",
    "Ubuntu": "canonical:ubuntu_linux",
    "Red Hat": "redhat:enterprise_linux",
    "Rocky Linux": "rockylinux:rocky_linux",
    "AlmaLinux": "almalinux:almalinux",
    "Alpine": "alpinelinux:alpine_linux",
}


@dataclass(frozen=True, slots=True)
class Cpe:
    """The parts of a CPE that matching looks at: part (``a``, ``o``, ``h``), vendor and
    product (lower case), and version (with its update: NVD's ``9.2`` update ``p1`` is
    ``9.2p1``; empty, ``*`` or ``-``: any)."""

    part: str
    vendor: str
    product: str
    version: str

    @property
    def name(self) -> tuple[str, str]:
        """(vendor, product)."""
        return self.vendor, self.product


def parse_cpe(text: str) -> Cpe | None:
    """A CPE 2.3 formatted string (``cpe:2.3:o:debian:debian_linux:12.0:*:...``) or a CPE 2.2
    URI (nmap's ``cpe:/o:linux:linux_kernel:5.10``); None for anything else."""
    if text.startswith("cpe:2.3:"):
        parts = [re.sub(r"\\(.)", r"\1", p) for p in CPE_SPLIT.split(text)[2:]]
    elif text.startswith("cpe:/"):
        parts = [unquote(p) for p in text.removeprefix("cpe:/").split(":")]
    else:
        return None
    parts += [""] * (5 - len(parts))
    part, vendor, product, version, update = parts[:5]
    part, vendor, product = part.lower(), vendor.lower(), product.lower()  # versions keep case
    if part not in ("a", "o", "h") or not vendor or not product:
        return None
    if version not in ANY and update not in ANY:
        version += update
    return Cpe(part, vendor, product, version)


def ecosystem_cpe(ecosystem: str) -> str:
    """The operating system CPE of an OSV ecosystem's release (``Debian:12`` ->
    ``cpe:2.3:o:debian:debian_linux:12``), empty when unknown here."""
    base, _, release = ecosystem.partition(":")
    name = ECOSYSTEM_OS.get(base)
    if name is None:
        return ""
    version = release.split(":", 1)[0] or "*"
    return f"cpe:2.3:o:{name}:{version}:*:*:*:*:*:*:*"


def satisfied(requires: Sequence[Sequence[PlatformMatch]], platform: Iterable[str]) -> bool | None:
    """Whether a host whose platform CPEs are ``platform`` meets the condition ``requires``
    (every group, each by one of its alternatives): True, False, or None when it cannot tell."""
    known = [c for c in (parse_cpe(p) for p in platform) if c is not None]
    answer: bool | None = True
    for group in requires:
        met = _any(_alternative(m, known) for m in group)
        if met is False:
            return False
        if met is None:
            answer = None
    return answer


def describe(requires: Sequence[Sequence[PlatformMatch]], shown: int = 3) -> str:
    """A condition in words: ``microsoft windows_10 or microsoft windows_11``, groups joined
    by ``and``."""
    groups = []
    for group in requires:
        names = list(dict.fromkeys(_words(m) for m in group))
        more = f" or {len(names) - shown} more" if len(names) > shown else ""
        groups.append(" or ".join(names[:shown]) + more)
    return " and ".join(groups)


def _words(match: PlatformMatch) -> str:
    cpe = parse_cpe(match.criteria)
    if cpe is None:
        return "other platforms"
    version = "" if cpe.version in ANY else f" {cpe.version}"
    bounds = (
        (">=", match.start_including),
        (">", match.start_excluding),
        ("<=", match.end_including),
        ("<", match.end_excluding),
    )
    ranges = "".join(f" {sign} {value}" for sign, value in bounds if value)
    return f"{cpe.vendor} {cpe.product}{version}{ranges}"


def _any(answers: Iterable[bool | None]) -> bool | None:
    found: bool | None = False
    for answer in answers:
        if answer:
            return True
        if answer is None:
            found = None
    return found


def _alternative(match: PlatformMatch, known: list[Cpe]) -> bool | None:
    """Whether one alternative of a group is met by the host's ``known`` platform CPEs."""
    wanted = parse_cpe(match.criteria)
    if wanted is None:
        return None  # UNLISTED, or not a CPE: cannot refute
    same = [c for c in known if c.part == wanted.part and c.name == wanted.name]
    if same:
        return _any(_version(match, wanted, c) for c in same)
    systems = [c for c in known if c.part == "o"]
    if wanted.part != "o" or not systems:
        return None  # hardware, or an operating system not seen: unknown
    return _any(_other_system(match, wanted, c) for c in systems)


def _version(match: PlatformMatch, wanted: Cpe, have: Cpe) -> bool | None:
    """Whether the host's ``have`` (the product named) is in the alternative's versions."""
    bounds = (match.start_including, match.start_excluding, match.end_including)
    ranged = any(bounds) or bool(match.end_excluding)
    if wanted.version in ANY and not ranged:
        return True  # every version of the product
    if have.version in ANY:
        return None  # a version is asked, none is known
    return in_cpe_range(
        _release(have.version),
        _release(wanted.version) if wanted.version not in ANY else "*",
        *(_release(b) for b in (*bounds, match.end_excluding)),
    )


def _other_system(match: PlatformMatch, wanted: Cpe, have: Cpe) -> bool | None:
    """An operating system alternative against another operating system the host runs."""
    if _family(wanted) != _family(have):
        return False  # Windows is not Linux
    if wanted.name in GENERIC:  # "Linux" asked, a distribution known: met if any version
        unbounded = wanted.version in ANY and not any(
            (match.start_including, match.start_excluding, match.end_including, match.end_excluding)
        )
        return True if unbounded else None
    if have.name in GENERIC:
        return None  # "Linux" known, a distribution asked: cannot tell
    return False  # two distributions (or two Windows products): the host runs one


def _family(cpe: Cpe) -> str:
    if cpe.name in LINUX:
        return "linux"
    if cpe.vendor == "microsoft" and cpe.product.startswith("windows"):
        return "windows"
    return f"{cpe.vendor}:{cpe.product}"


def _release(version: str) -> str:
    """An operating system release without trailing ``.0`` parts: NVD's ``12.0`` is the
    ``12`` a Debian banner gives."""
    while version.endswith(".0"):
        version = version[:-2]
    return version
