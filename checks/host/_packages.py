"""An audited host's installed packages and its OSV ecosystem, read from its own answers.

``/etc/os-release`` names the distribution and release (``ID=debian``, ``VERSION_ID="12"`` ->
OSV's ``Debian:12``); the package manager lists what is installed: ``dpkg-query -W`` with each
binary package's source package and version (Debian's advisories name source packages), or
``rpm -qa`` with epoch-version-release and the source RPM. Only fully installed dpkg packages
(status ``ii``) count. Unreadable lines are Inconclusive, never skipped: a package missed would
read as a pass. Shared by ``host.vulnerable-package`` and the remote ``net.vulnerable-version``
(which settles a banner's inference with it), and collected once per host and run.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from scanner.api import CheckContext, Inconclusive, Installed, OnsiteTarget, one_line

OS_RELEASE = "cat /etc/os-release"
WHICH = "command -v dpkg-query rpm"
DPKG = (
    "dpkg-query -W -f "
    "'${Package}\\t${Version}\\t${source:Package}\\t${source:Version}\\t${db:Status-Abbrev}\\n'"
)
RPM = "rpm -qa --qf '%{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\t%{SOURCERPM}\\n'"
COMMANDS = (OS_RELEASE, WHICH, DPKG, RPM)

#: os-release ``ID`` -> OSV ecosystem name, and how many parts of ``VERSION_ID`` name a release.
ECOSYSTEMS = {
    "debian": ("Debian", 1),
    "ubuntu": ("Ubuntu", 2),
    "rocky": ("Rocky Linux", 1),
    "almalinux": ("AlmaLinux", 1),
    "alpine": ("Alpine", 2),
}
WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+~:_-]*$")
#: ``openssh-8.7p1-38.el9.src.rpm`` -> ``openssh``.
SRPM = re.compile(r"^(.+)-[^-]+-[^-]+\.src\.rpm$")


@dataclass(frozen=True)
class HostPackages:
    """What is installed on one host: its OSV ecosystem (``Debian:12``), the package manager
    (dpkg or rpm) and the packages."""

    ecosystem: str
    manager: str
    packages: tuple[Installed, ...]


def ecosystem(os_release: str) -> str:
    """OSV's ecosystem name of a host from its ``/etc/os-release``; Inconclusive when the
    distribution or its release is not one the scanner matches."""
    fields: dict[str, str] = {}
    for line in os_release.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            try:
                words = shlex.split(value)
            except ValueError:
                continue
            fields[key.strip()] = words[0] if words else ""
    ident, release = fields.get("ID", ""), fields.get("VERSION_ID", "")
    if ident not in ECOSYSTEMS:
        raise Inconclusive(
            f"distribution {one_line(ident or '(no ID)', 40)!r} in /etc/os-release: no advisory "
            f"ecosystem known for it (known: {', '.join(sorted(ECOSYSTEMS))})"
        )
    name, parts = ECOSYSTEMS[ident]
    if not release:
        raise Inconclusive(
            f"{name} without a VERSION_ID (testing or unstable): no release to match"
        )
    return f"{name}:{'.'.join(release.split('.')[:parts])}"


def dpkg_packages(text: str) -> tuple[Installed, ...]:
    """Installed packages from the ``dpkg-query`` line format above."""
    found = []
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 5 or not WORD.match(fields[0]) or not WORD.match(fields[1] or "x"):
            raise Inconclusive(f"dpkg-query printed an unreadable line: {one_line(line, 120)!r}")
        name, version, source, source_version, status = fields
        if not status.startswith("ii") or not version:
            continue  # removed, half-installed or config-files only: nothing runs
        found.append(Installed(name, version, source or name, source_version or version))
    return tuple(found)


def rpm_packages(text: str) -> tuple[Installed, ...]:
    """Installed packages from the ``rpm -qa --qf`` line format above (epoch 0 dropped)."""
    found = []
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not WORD.match(fields[0]) or not WORD.match(fields[1]):
            raise Inconclusive(f"rpm -qa printed an unreadable line: {one_line(line, 120)!r}")
        name, version, srpm = fields
        version = version.removeprefix("0:")
        match = SRPM.match(srpm)
        found.append(Installed(name, version, match.group(1) if match else name, version))
    return tuple(found)


def host_packages(target: OnsiteTarget, ctx: CheckContext) -> HostPackages:
    """The host's ecosystem and installed packages (collected once per host and run)."""

    def collect() -> HostPackages:
        release = ctx.ssh_run(target, OS_RELEASE)
        if release.exit_status != 0:
            raise Inconclusive("cannot read /etc/os-release: the distribution is unknown")
        eco = ecosystem(release.text)
        tools = {
            line.strip().rsplit("/", 1)[-1] for line in ctx.ssh_run(target, WHICH).text.split()
        }
        manager, command = ("dpkg", DPKG) if "dpkg-query" in tools else ("rpm", RPM)
        if manager == "rpm" and "rpm" not in tools:
            raise Inconclusive("neither dpkg-query nor rpm on the host: cannot list packages")
        listing = ctx.ssh_run(target, command)
        if listing.exit_status != 0:
            raise Inconclusive(f"{manager} could not list the installed packages")
        read = dpkg_packages if manager == "dpkg" else rpm_packages
        packages = read(listing.text)
        if not packages:
            raise Inconclusive(f"{manager} listed no installed package: cannot tell")
        return HostPackages(eco, manager, packages)

    return ctx.collect(("installed-packages", target.address, target.credentials), collect)
