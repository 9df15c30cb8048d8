"""Security updates are available but not installed.

A published security update means the flaw it fixes is public, and usually so is how to use it.
MLPS 2.0 expects known vulnerabilities to be found and patched in time. The check asks the
host's own package manager what it would upgrade, without changing anything:

- Debian and Ubuntu: ``apt-get -s -o Debug::NoLocking=1 upgrade`` (a simulation; it runs
  unprivileged and downloads nothing) under ``LC_ALL=C``. Every ``Inst`` line whose origin is a
  security suite (its label or suite names ``security``, e.g. ``Debian-Security:12/
  bookworm-security``) is a pending security update. apt knows only what its package lists
  (``/var/lib/apt/lists``) say, so the age of the newest list file is measured with the host's
  clock and reported: when the lists are missing or older than the setting
  ``max_list_age_days`` (default 7) and show no pending security update, the check cannot tell
  and is inconclusive, never a pass. Updates found in old lists are still a finding.
- RPM hosts (dnf, else yum): ``dnf -q -C updateinfo list --security`` (``yum -q -C updateinfo
  list security``) as root, from the metadata cache only (``-C``: the audit never makes the
  host reach its repositories; a missing cache is an error, so inconclusive). Each advisory
  line is a pending update. The cache's age is not measured.
- no apt-get, dnf or yum: inconclusive.

apt's output is checked for its closing summary line and the number of ``Inst`` lines it
announces; truncated or unrecognised output is inconclusive. One finding per host, at location
``security updates``, with the packages in its detail (at most 50).

Commands run (read-only): ``command -v apt-get dnf yum``, ``LC_ALL=C apt-get -s -o
Debug::NoLocking=1 upgrade``, ``date +%s``, ``find /var/lib/apt/lists -maxdepth 1 -type f
-printf '%T@ %f\\n'``, and ``dnf``/``yum`` as above.

Sample evidence::

    apt-get -s upgrade: 1 pending security update: netbase 6.4 -> 6.4+lab1
    (Debian-Security:12/bookworm-security); package lists last updated 2.5 hours ago
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._output import stderr_reason
from checks.host._updates import DATE, LISTS, apt_updates, list_age, rpm_advisories
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    Inconclusive,
    Mode,
    OnsiteTarget,
    Severity,
)

WHICH = "command -v apt-get dnf yum"
APT = "LC_ALL=C apt-get -s -o Debug::NoLocking=1 upgrade"
DNF = "dnf -q -C updateinfo list --security"
YUM = "yum -q -C updateinfo list security"
#: At most this many packages or advisories are listed in a finding's detail.
MAX_LISTED = 50


class PendingSecurityUpdates(Check):
    id = "host.pending-security-updates"
    title = "Security updates are available but not installed"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.HIGH
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-1104", "MLPS-8.1.4.4e", "CSL-21")
    remediation = (
        "Install the pending security updates (Debian/Ubuntu: apt-get update && apt-get "
        "upgrade; RPM: dnf upgrade --security), restart the services they touch, and turn on "
        "automatic security updates (unattended-upgrades or dnf-automatic)."
    )
    commands = (WHICH, APT, DATE, LISTS, f"sudo {DNF}", f"sudo {YUM}")

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        found = ctx.ssh_run(target, WHICH)
        tools = {line.strip().rsplit("/", 1)[-1] for line in found.text.splitlines()}
        if "apt-get" in tools:
            yield from self._apt(target, ctx)
        elif "dnf" in tools or "yum" in tools:
            yield from self._rpm(target, ctx, DNF if "dnf" in tools else YUM)
        else:
            raise Inconclusive("no known package manager (apt-get, dnf, yum): cannot tell")

    def _apt(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        sim = ctx.ssh_run(target, APT)
        if sim.exit_status != 0 or sim.truncated:
            why = (
                "output cut at the size limit"
                if sim.truncated
                else stderr_reason(sim, last=True, limit=160)
            )
            raise Inconclusive(f"apt-get -s upgrade failed: {why}")
        security = [u for u in apt_updates(sim.text) if u.security]
        age = list_age(target, ctx)
        limit = float(ctx.setting("max_list_age_days", 7))
        if age is None:
            lists = "package lists missing (/var/lib/apt/lists)"
        else:
            ago = f"{age * 24:.1f} hours" if age < 1 else f"{age:.1f} days"
            lists = f"package lists last updated {ago} ago"
        if not security:
            if age is None or age > limit:
                stale = "" if age is None else f" (older than the {limit:g} days allowed)"
                raise Inconclusive(
                    f"apt sees no pending security update but cannot tell: {lists}{stale}"
                )
            return
        shown = ", ".join(str(u) for u in security[:5])
        more = f" and {len(security) - 5} more" if len(security) > 5 else ""
        plural = "s" if len(security) != 1 else ""
        yield self.finding(
            target,
            f"apt-get -s upgrade: {len(security)} pending security update{plural}: "
            f"{shown}{more}; {lists}",
            location="security updates",
            detail={
                "count": len(security),
                "packages": [
                    {"package": u.package, "installed": u.installed, "candidate": u.candidate}
                    for u in security[:MAX_LISTED]
                ],
                "list_age_days": None if age is None else round(age, 1),
            },
        )

    def _rpm(self, target: OnsiteTarget, ctx: CheckContext, command: str) -> Iterator[Finding]:
        result = ctx.ssh_run(target, command, root=True)
        tool = command.split(maxsplit=1)[0]
        if result.exit_status != 0 or result.truncated:
            why = (
                "output cut at the size limit"
                if result.truncated
                else stderr_reason(result, last=True, limit=160)
            )
            raise Inconclusive(f"{tool} updateinfo failed (cache-only): {why}")
        advisories = rpm_advisories(result.text)
        if not advisories:
            return
        plural = "ies" if len(advisories) != 1 else "y"
        shown = "; ".join(advisories[:5])
        yield self.finding(
            target,
            f"{tool} updateinfo: {len(advisories)} pending security advisor{plural}: {shown}",
            location="security updates",
            detail={"count": len(advisories), "advisories": advisories[:MAX_LISTED]},
        )
