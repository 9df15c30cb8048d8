"""A service's announced version has known vulnerabilities (confirmed, or only inferred).

The check reads what the service announces unasked: the SSH identification line
(``SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3``) of an ``ssh`` service, the ``Server`` header of a
web server (``nginx/1.22.1``), the 220 greeting of an FTP or SMTP server (``(vsFTPd 3.0.3)``),
the server version of a MySQL/MariaDB handshake (``10.11.19-MariaDB-0+deb12u1``, which carries
the Debian revision); or, when the profile ran it, what nmap's version detection named (profile
``version_detection``: the CPE ``cpe:/a:nginx:nginx:1.22.1`` and the version text, which may
carry a Debian revision; it is preferred, and then nothing more is read). It matches that
against the feeds imported with ``scanner feed import``, trusting each source for what it can
show:

1. **On-site settles it.** When the run also audits the host on site (an on-site asset at the
   same address, and the profile runs on-site checks), its installed package of the product
   (``openssh``) is matched exactly against the distribution's OSV advisories: a match is a
   confirmed finding; no match drops the inference, whatever the banner suggested.
2. **Distribution revision.** A banner carrying a Debian package revision with its release
   (``Debian-2+deb12u3``) is matched against that release's OSV advisories (the epoch taken
   from the advisory): a fix backported by the distribution is honoured, so the banner of a
   patched host gives nothing, and one below the fixed revision gives a finding at the CVSS
   severity (the banner is the only witness; the evidence says so).
3. **Upstream only** (no revision, or no advisories of its distribution imported): the
   upstream version is matched against NVD's CPE ranges. Distributions backport fixes without
   changing that version, so the result is *version-inferred*: reported as unconfirmed, at
   severity ``low`` whatever the CVSS, never as a vulnerability. An on-site audit or the
   vendor's advisory settles it. A CVE NVD gives only on some platform (an ``AND``
   configuration: Tomcat's CVE-2019-0232 on Windows) is dropped when the host's known platform
   (nmap's operating system CPE, the banner's Debian release, the on-site release) refutes it,
   and named as "platform condition unverified" when nothing known tells.

Known exploited CVEs (CISA KEV) and the highest CVSS are named in the evidence either way. With
no feed to match against the check is inconclusive. Feeds older than ``max_feed_age_days``
(default 30) are named in the evidence.

Commands run on the on-site twin (read-only): those of ``host.vulnerable-package``.

Sample evidence::

    SSH-2.0-OpenSSH_9.2p1: unconfirmed (version-inferred from the upstream version only; a
    distribution may have backported fixes): openbsd openssh 9.2p1 is in NVD's ranges of
    CVE-2023-38408, CVE-2024-6387 (CVSS up to 9.8)
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._packages import COMMANDS, host_packages
from checks.host._vulns import describe, exploited, feed_note, listed, severity_of
from checks.network._announced import announcement
from checks.network._versions import (
    SERVICES,
    Product,
    announced_product,
    nmap_product,
    nvd_names,
    ssh_banner,
    ssh_product,
)
from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Finding,
    Inconclusive,
    Installed,
    NotApplicable,
    PackageVuln,
    ServiceTarget,
    Severity,
    ecosystem_cpe,
)


def platform_note(unverified: dict[str, str], platform: tuple[str, ...]) -> str:
    """Evidence's clause on CVEs NVD lists only on some platform the scan could not check."""
    if not unverified:
        return ""
    known = (
        f"the host's known platform ({', '.join(platform)}) does not tell"
        if platform
        else "the host's platform is not known"
    )
    each = [f"{cve} only with {condition}" for cve, condition in unverified.items()]
    return f"; platform condition unverified ({known}): {listed(each)}"


class VulnerableVersion(Check):
    id = "net.vulnerable-version"
    title = "A service's announced version has known vulnerabilities"
    family = "network"
    severity = Severity.LOW  # the inferred case; confirmed findings carry their CVSS severity
    applies_to = AppliesTo(services=SERVICES)
    references = ("CWE-1104", "MLPS-8.1.4.4", "CSL-21")
    remediation = (
        "Confirm the installed package version on the host (an on-site audit, or the vendor's "
        "advisory for the distribution's revision); upgrade to the fixed version where it is "
        "affected, and keep security updates automatic."
    )
    commands = COMMANDS

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        if target.service.name == "ssh":
            banner = ssh_banner(target, ctx)
            product = ssh_product(banner) or nmap_product(target.service)
            if product is None:
                raise NotApplicable(f"no known product in the banner {banner!r}")
        else:
            # nmap's version detection, when the profile ran it, already read the service;
            # else what the service announces unasked
            product = nmap_product(target.service)
            announced = announcement(target, ctx) if product is None else None
            if announced is not None:
                product = announced_product(*announced)
            if product is None:
                said = f" (it announced {announced[1]!r})" if announced else ""
                raise NotApplicable(
                    f"the service announced no product version{said}, and discovery named none "
                    "(the profile's version_detection is off, or nmap did not recognise it)"
                )
        banner = product.banner
        matcher = ctx.vulnerabilities
        note = feed_note(ctx, ("osv", "nvd", "kev"))
        twin = ctx.onsite_twin(target.address)
        known = [target.service.os_cpe, ecosystem_cpe(product.ecosystem)]
        if twin is not None and product.package:  # an on-site audit of the host settles it
            installed = host_packages(twin, ctx)
            known.append(ecosystem_cpe(installed.ecosystem))
            mine = [p for p in installed.packages if p.source == product.package]
            if mine and matcher.knows(installed.ecosystem):
                for vuln in matcher.packages(installed.ecosystem, mine):
                    basis = f"the on-site audit of {twin.asset_id}"
                    yield self._confirmed(target, product, vuln, basis, note)
                return  # the installed version settles it: a banner inference is dropped
        if product.ecosystem and matcher.knows(product.ecosystem):
            package = Installed(product.package, product.package_version)
            for vuln in matcher.packages(product.ecosystem, [package], epoch_of_bounds=True):
                yield self._confirmed(target, product, vuln, "the banner's package revision", note)
            return
        if not matcher.has("nvd"):
            raise Inconclusive(
                "no NVD feed imported to match the upstream version against. Fix: `scanner feed "
                "import` NVD's CVE JSON 2.0 files (docs/vulnerabilities.md)"
            )
        platform = tuple(dict.fromkeys(p for p in known if p))
        found = [
            u
            for vendor, name in nvd_names(product)
            if (u := matcher.upstream(vendor, name, product.version, platform)) is not None
        ]
        if not found:
            return
        cves = sorted({c for u in found for c in u.cves})
        scores = [u.cvss for u in found if u.cvss is not None]
        exploited_cves = sorted({c for u in found for c in u.known_exploited})
        cvss = f" (CVSS up to {max(scores):g})" if scores else ""
        unverified = dict(sorted({pair for u in found for pair in u.unverified}))
        yield self.finding(
            target,
            f"{banner}: unconfirmed (version-inferred from the upstream version only; a "
            f"distribution may have backported fixes): {product.vendor} {product.product} "
            f"{product.version} is in NVD's ranges of {listed(cves)}{cvss}"
            f"{exploited(exploited_cves)}{platform_note(unverified, platform)}{note}",
            severity=Severity.LOW,
            detail={
                "banner": banner,
                "product": f"{product.vendor}:{product.product}",
                "version": product.version,
                "cves": cves[:50],
                "cvss_max": max(scores) if scores else None,
                "known_exploited": exploited_cves,
                "confirmed": False,
                "basis": "upstream version (version-inferred)",
                "platform": list(platform),
                "platform_unverified": dict(list(unverified.items())[:50]),
            },
        )

    def _confirmed(
        self, target: ServiceTarget, product: Product, vuln: PackageVuln, basis: str, note: str
    ) -> Finding:
        return self.finding(
            target,
            f"{product.banner}: {describe(vuln)} (from {basis}){note}",
            severity=severity_of(vuln.cvss, Severity.HIGH),
            detail={
                "banner": product.banner,
                "package": vuln.package,
                "installed": vuln.installed,
                "fixed": vuln.fixed,
                "advisories": list(vuln.advisories[:50]),
                "cves": list(vuln.cves[:50]),
                "cvss": vuln.cvss,
                "known_exploited": list(vuln.known_exploited),
                "confirmed": True,
                "basis": basis,
            },
        )
