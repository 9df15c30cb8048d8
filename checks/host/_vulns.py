"""Wording and severity shared by the two vulnerability checks (on-site and remote)."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.api import CheckContext, PackageVuln, Severity

#: How many advisories and CVEs evidence names before "and N more".
SHOWN = 5


def severity_of(cvss: float | None, default: Severity) -> Severity:
    """A confirmed vulnerability's severity from its highest CVSS base score."""
    if cvss is None:
        return default
    if cvss >= 9.0:
        return Severity.CRITICAL
    if cvss >= 7.0:
        return Severity.HIGH
    if cvss >= 4.0:
        return Severity.MEDIUM
    return Severity.LOW


def listed(items: Sequence[str]) -> str:
    """``a, b, c and 4 more``."""
    more = f" and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return ", ".join(items[:SHOWN]) + more


def exploited(cves: Sequence[str]) -> str:
    """The known-exploited clause of evidence, empty when none is."""
    return f"; known exploited (CISA KEV): {listed(cves)}" if cves else ""


def describe(vuln: PackageVuln) -> str:
    """One vulnerable package as evidence."""
    binaries = f" ({listed(vuln.binaries)})" if vuln.binaries != (vuln.package,) else ""
    cvss = f", CVSS {vuln.cvss:g}" if vuln.cvss is not None else ""
    fixed = f"fixed in {vuln.fixed}" if vuln.fixed else "no fixed version published yet"
    cves = f" ({listed(vuln.cves)}{cvss})" if vuln.cves else ""
    return (
        f"{vuln.package} {vuln.installed}{binaries}: {listed(vuln.advisories)}{cves}; {fixed}"
        f"{exploited(vuln.known_exploited)}"
    )


def feed_note(ctx: CheckContext, kinds: Sequence[str]) -> str:
    """Evidence's warning about feeds older than ``max_feed_age_days`` (default 30)."""
    limit = float(ctx.setting("max_feed_age_days", 30))
    stale = ctx.vulnerabilities.stale(kinds, limit)
    if not stale:
        return ""
    aged = ", ".join(f"{s.source} {s.age_days:g} days old" for s in stale)
    return (
        f"; feed older than {limit:g} days ({aged}): advisories published since are not "
        "known to this match"
    )
