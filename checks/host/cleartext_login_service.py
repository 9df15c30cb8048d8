"""A clear-text remote login service (telnet, rsh, rlogin, FTP without TLS) is installed or
enabled on the host.

MLPS 2.0 level 3 (8.1.4.1 c) expects remote administration protected against eavesdropping of
the authentication data; telnet, rsh, rlogin, rexec and plain FTP send passwords in clear text.
A remote scan sees only what listens now; on site the check also finds what is installed or
configured to start. It reports each installed server package (``telnetd``,
``inetutils-telnetd``, ``rsh-redone-server``, ``krb5-rsh-server``; on RPM hosts
``telnet-server``, ``rsh-server`` and ``krb5-appl-servers``, which systemd's ``telnet.socket``
and ``rsh.socket`` start...), each active ``telnet``, ``login``, ``shell``, ``exec`` or ``ftp``
line in ``/etc/inetd.conf`` or service in ``/etc/xinetd.d`` not disabled, and a vsftpd
configuration (``/etc/vsftpd.conf``, ``/etc/vsftpd/vsftpd.conf``) without ``ssl_enable=YES``.

Commands run (read-only): the installed packages (``dpkg-query -W`` or ``rpm -qa``, shared by the
package checks); one ``cat`` loop over the files above.

Sample evidence::

    clear-text login server package installed: inetutils-telnetd (dpkg)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.host._files import cat_command, parse_files
from checks.host._installed import COMMAND as PACKAGES
from checks.host._installed import installed
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

SERVERS = (
    "telnetd",
    "inetutils-telnetd",
    "telnet-server",
    "rsh-server",
    "rsh-redone-server",
    "krb5-rsh-server",
    "rlogin-server",
    "krb5-appl-servers",
)
INETD, XINETD = "/etc/inetd.conf", "/etc/xinetd.d/"
VSFTPD = ("/etc/vsftpd.conf", "/etc/vsftpd/vsftpd.conf")
COMMAND = cat_command((INETD, XINETD + "*", *VSFTPD))
CLEAR = ("telnet", "login", "shell", "exec", "ftp")
INETD_LINE = re.compile(r"^(?:[\w.:\[\]-]+:)?(telnet|login|shell|exec|ftp)\s+stream\s", re.M)


class CleartextLoginService(Check):
    id = "host.cleartext-login-service"
    title = "Clear-text remote login service installed or enabled"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.HIGH
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-319", "MLPS-8.1.4.1c")
    remediation = (
        "Remove the telnet, rsh and rlogin servers (apt purge telnetd inetutils-telnetd "
        "rsh-server; dnf remove telnet-server rsh-server), delete their inetd/xinetd entries, "
        "and administer over SSH; set ssl_enable=YES (with force_local_logins_ssl=YES) in "
        "vsftpd.conf or use SFTP."
    )
    commands = (PACKAGES, COMMAND)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        manager, names = installed(target, ctx)
        for name in sorted(names & set(SERVERS)):
            yield self.finding(
                target,
                f"clear-text login server package installed: {name} ({manager})",
                location=f"package {name}",
            )
        files, _ = parse_files(ctx.ssh_run(target, COMMAND), "the inetd and vsftpd configuration")
        inetd = "\n".join(
            ln.strip() for ln in files.texts.get(INETD, "").splitlines() if ln.strip()[:1] != "#"
        )
        for service in sorted(set(INETD_LINE.findall(inetd))):
            yield self.finding(
                target,
                f"{INETD}: {service} is enabled (clear-text login)",
                location=f"inetd {service}",
            )
        for path in files.existing(XINETD):
            text = files.texts[path]
            service = re.search(r"^[^\S\n]*service[^\S\n]+(\S+)", text, re.M)
            disabled = re.search(r"^[^\S\n]*disable[^\S\n]*=[^\S\n]*yes\b", text, re.M | re.I)
            if service and service.group(1) in CLEAR and not disabled:
                yield self.finding(
                    target,
                    f"{path}: xinetd service {service.group(1)} is enabled (clear-text login)",
                    location=f"xinetd {service.group(1)}",
                )
        for path in files.existing(*VSFTPD):
            if not re.search(
                r"^[^\S\n]*ssl_enable[^\S\n]*=[^\S\n]*YES\b", files.texts[path], re.M | re.I
            ):
                yield self.finding(
                    target,
                    f"{path}: vsftpd without ssl_enable=YES (FTP logins in clear text)",
                    location=f"vsftpd {path}",
                )
