"""What an audited host's package manager would upgrade, read from its own answers.

Three readers, each strict about the shape of what it reads, because a pending security update
missed in garbled output would read as a pass: the ``apt-get -s upgrade`` simulation (its
``Inst`` lines and the summary line that counts them), the modification times of apt's package
lists (``find -printf '%T@ %f'``, measured against the host's clock by :func:`list_age`), and
the advisory lines of ``dnf``/``yum updateinfo list``. Output of another shape raises
``Inconclusive``; text from the host is cleaned once here, for evidence and detail alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scanner.api import CheckContext, Inconclusive, OnsiteTarget, one_line

DATE = "date +%s"
LISTS = "find /var/lib/apt/lists -maxdepth 1 -type f -printf '%T@ %f\\n'"

SUMMARY = re.compile(
    r"^(\d+) upgraded, (\d+) newly installed, (\d+) to remove and (\d+) not upgraded\.$",
    re.MULTILINE,
)
# Inst PKG [OLD] (NEW ORIGIN[, ORIGIN...] [ARCH]) [extra]
INST = re.compile(r"^Inst (\S+) (?:\[([^\]]*)\] )?\((\S+) ([^()]*?)(?: \[[^\]]*\])?\)")
ADVISORY = re.compile(r"^\S+\s+\S+\s+\S+$")
YUM_DONE = "updateinfo list done"
LIST_FILE = re.compile(r"^(\d+(?:\.\d+)?) (\S+)$")


@dataclass(frozen=True)
class Update:
    """One pending update from ``apt-get -s``: package, installed and new version, origins."""

    package: str
    installed: str
    candidate: str
    origin: str

    @property
    def security(self) -> bool:
        return "security" in self.origin.lower()

    def __str__(self) -> str:
        return f"{self.package} {self.installed or '(new)'} -> {self.candidate} ({self.origin})"


def apt_updates(text: str) -> list[Update]:
    """The updates an ``apt-get -s upgrade`` run announces; Inconclusive when its output is
    not complete apt output (no summary line, or not as many ``Inst`` lines as it says)."""
    summary = SUMMARY.search(text)
    if summary is None:
        raise Inconclusive("apt-get -s upgrade printed no summary line: output not understood")
    updates = []
    for line in text.splitlines():
        if not line.startswith("Inst "):
            continue
        match = INST.match(line)
        if match is None:
            raise Inconclusive(f"apt-get -s upgrade printed an unreadable line: {line[:120]!r}")
        package, installed, candidate, origin = match.groups()
        fields = (one_line(field or "", 120) for field in (package, installed, candidate, origin))
        updates.append(Update(*fields))  # target text, cleaned once for evidence and detail
    announced = int(summary.group(1)) + int(summary.group(2))
    if len(updates) != announced:
        raise Inconclusive(
            f"apt-get -s upgrade announced {announced} installs but listed {len(updates)}"
        )
    return updates


def newest_list(listing: str) -> float | None:
    """The newest modification time (epoch seconds) among apt's list files (``lock`` aside),
    from ``find -printf '%T@ %f\\n'``; None when there is none."""
    times = []
    for line in listing.splitlines():
        match = LIST_FILE.match(line.strip())
        if match and match.group(2) != "lock":
            times.append(float(match.group(1)))
    return max(times) if times else None


def rpm_advisories(text: str) -> list[str]:
    """Advisory lines (``ID TYPE PACKAGE``) of ``dnf/yum updateinfo list``; Inconclusive when
    a line has another shape."""
    # yum 3 (RHEL/CentOS 7) ends its listing with this line
    lines = [line.strip() for line in text.splitlines() if line.strip() not in ("", YUM_DONE)]
    for line in lines:
        if not ADVISORY.match(line):
            raise Inconclusive(f"updateinfo printed an unreadable line: {line[:120]!r}")
    return [one_line(line, 200) for line in lines]


def list_age(target: OnsiteTarget, ctx: CheckContext) -> float | None:
    """Days since apt's package lists last changed (host clock); None when there are none."""
    now = ctx.ssh_run(target, DATE)
    try:
        seconds = int(now.text.strip())
    except ValueError:
        raise Inconclusive(f"`date +%s` printed {now.text[:40]!r}, not a time") from None
    listing = ctx.ssh_run(target, LISTS)
    if listing.truncated:
        raise Inconclusive("the listing of /var/lib/apt/lists was cut at the size limit")
    newest = newest_list(listing.text) if listing.exit_status == 0 else None
    return None if newest is None else max(0.0, (seconds - newest) / 86400)
