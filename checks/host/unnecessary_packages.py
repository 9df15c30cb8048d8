"""Packages a server should not have are installed (inetd, NIS, TFTP, rsh, talk, X server).

MLPS 2.0 level 3 (8.1.4.4 a) expects a minimal installation: each unneeded network service or
client is one more way in. The check lists the installed packages (dpkg or rpm) and reports
each one on the list of the setting ``packages`` (default: the super-servers xinetd,
inetutils-inetd, openbsd-inetd; NIS (nis, ypbind, ypserv); TFTP servers and clients; the rsh,
rlogin and talk programs (on RPM hosts rsh, talk, talk-server); the telnet client; an X server
(xserver-xorg, or xorg-x11-server-Xorg on RPM hosts)), one finding per package.
Clear-text login *servers* are host.cleartext-login-service.

Commands run (read-only): ``dpkg-query -W`` or ``rpm -qa`` (shared by the package checks).

Sample evidence::

    unnecessary package installed: inetutils-inetd (dpkg)
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._installed import COMMAND, installed
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    Mode,
    OnsiteTarget,
    Severity,
)

PACKAGES = (
    "xinetd",
    "inetutils-inetd",
    "openbsd-inetd",
    "rinetd",
    "nis",
    "ypbind",
    "ypbind-mt",
    "ypserv",
    "tftp",
    "tftp-hpa",
    "tftpd",
    "tftpd-hpa",
    "atftpd",
    "tftp-server",
    "rsh-client",
    "rsh-redone-client",
    "rsh",
    "talk",
    "talkd",
    "talk-server",
    "inetutils-talk",
    "inetutils-talkd",
    "telnet",
    "inetutils-telnet",
    "xserver-xorg",
    "xserver-xorg-core",
    "xorg-x11-server-Xorg",
)


class UnnecessaryPackages(Check):
    id = "host.unnecessary-packages"
    title = "Packages a server should not have are installed"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-1104", "MLPS-8.1.4.4a")
    remediation = (
        "Remove what the host does not need (apt purge PACKAGE; dnf remove PACKAGE) and keep "
        "a record of the packages each server role requires."
    )
    commands = (COMMAND,)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        manager, names = installed(target, ctx)
        unwanted = set(ctx.setting("packages", list(PACKAGES)))
        for name in sorted(names & unwanted):
            yield self.finding(
                target,
                f"unnecessary package installed: {name} ({manager})",
                location=f"package {name}",
            )
