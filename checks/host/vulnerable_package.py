"""An installed package has a known vulnerability its distribution has fixed (or not yet).

The check lists the host's installed packages (``dpkg-query -W`` or ``rpm -qa``, with source
packages and versions) and its release (``/etc/os-release``: ``Debian:12``), and matches them
exactly against the OSV advisories of that ecosystem and release imported with ``scanner feed
import`` (Debian's, Ubuntu's, Rocky's, AlmaLinux's or Alpine's export). Versions are ordered by
the ecosystem's own rules (Debian epochs, revisions and ``~``; RPM epoch-version-release), so a
fix the distribution backported without changing the upstream version is honoured: OpenSSH
``1:9.2p1-2+deb12u3`` on Debian 12 is not vulnerable to CVE-2024-6387 although upstream 9.2p1 is.

One finding per vulnerable (source) package, at location ``package NAME``, listing its
advisories and CVEs, the installed and the fixed version. Its severity follows the highest CVSS
base score NVD gives the CVEs (9.0 critical, 7.0 high, 4.0 medium, below that low; ``high``
without a score); a CVE in CISA's KEV catalogue is called known exploited, which raises the
item's risk. A host whose ecosystem has no imported advisories is inconclusive. When a feed is
older than the setting ``max_feed_age_days`` (default 30) the evidence says so.

Commands run (read-only): ``cat /etc/os-release``, ``command -v dpkg-query rpm``, and
``dpkg-query -W -f '...'`` or ``rpm -qa --qf '...'``.

Sample evidence::

    openssh 1:9.2p1-2+deb12u2 (openssh-client, openssh-server): DSA-5724-1 (CVE-2024-6387,
    CVSS 8.1); fixed in 1:9.2p1-2+deb12u3
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._packages import COMMANDS, host_packages
from checks.host._vulns import describe, feed_note, severity_of
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


class VulnerablePackage(Check):
    id = "host.vulnerable-package"
    title = "An installed package has a known vulnerability"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.HIGH
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-1104", "MLPS-8.1.4.4", "CSL-21")
    remediation = (
        "Install the distribution's fixed package version (Debian/Ubuntu: apt-get update && "
        "apt-get install --only-upgrade PACKAGE; RPM: dnf upgrade PACKAGE), restart the services "
        "that use it, and keep security updates automatic; known exploited flaws first."
    )
    commands = COMMANDS

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        installed = host_packages(target, ctx)
        matcher = ctx.vulnerabilities
        if not matcher.knows(installed.ecosystem):
            raise Inconclusive(
                f"no OSV advisories of {installed.ecosystem} imported: cannot tell. Fix: "
                "`scanner feed import` the distribution's OSV export (docs/vulnerabilities.md)"
            )
        note = feed_note(ctx, ("osv", "nvd", "kev"))
        for vuln in matcher.packages(installed.ecosystem, installed.packages):
            yield self.finding(
                target,
                describe(vuln) + note,
                location=f"package {vuln.package}",
                severity=severity_of(vuln.cvss, self.severity),
                detail={
                    "package": vuln.package,
                    "installed": vuln.installed,
                    "fixed": vuln.fixed,
                    "binaries": list(vuln.binaries[:20]),
                    "advisories": list(vuln.advisories[:50]),
                    "cves": list(vuln.cves[:50]),
                    "cvss": vuln.cvss,
                    "known_exploited": list(vuln.known_exploited),
                    "ecosystem": installed.ecosystem,
                    "confirmed": True,
                    "basis": "installed package",
                },
            )
