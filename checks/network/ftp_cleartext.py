"""FTP server does not offer TLS (AUTH TLS).

Plain FTP sends the user name, the password and every file in clear text; anyone on the path
reads them. The check reads the ``220`` banner of each service discovery names ``ftp``, sends
``FEAT`` to list the advertised extensions, then ``AUTH TLS`` (RFC 4217). A ``234`` answer means
TLS is offered: a pass (the check closes the socket without negotiating). A ``500``, ``502``,
``504`` or ``530`` answer means the server cannot protect the session: a finding. It sends no
credentials. A port that stays silent is inconclusive; one that speaks another protocol is not
applicable. A server that offers TLS without requiring it is not reported by this check.

Sample evidence::

    AUTH TLS answered '530 Please login with USER and PASS.'; FEAT: EPRT, EPSV, MDTM, PASV, ...
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.protocols.ftp import greeting, read_reply, show
from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Finding,
    Inconclusive,
    ServiceTarget,
    Severity,
    one_line,
)

NO_TLS = (500, 502, 504, 530)


class FtpCleartext(Check):
    id = "net.ftp-cleartext"
    title = "FTP without AUTH TLS (clear-text logins and transfers)"
    family = "network"
    severity = Severity.MEDIUM
    applies_to = AppliesTo(services=("ftp",))
    references = ("CWE-319", "MLPS-8.1.4.1c", "CSL-21")
    remediation = (
        "Enable FTPS (ssl_enable=YES with force_local_logins_ssl and force_local_data_ssl in "
        "vsftpd, or the equivalent), or replace FTP with SFTP or HTTPS."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        with ctx.connect(target.address, target.service.port, read_limit=65536) as conn:
            greeting(conn, ctx)
            conn.send(b"FEAT\r\n")
            _, feat = read_reply(conn)
            conn.send(b"AUTH TLS\r\n")
            code, reply = read_reply(conn)
        if code == 234:
            return  # TLS offered: a pass; the socket is closed without negotiating
        if code not in NO_TLS:
            raise Inconclusive(f"AUTH TLS answered {show(reply)!r}")
        features = [line.strip().decode("ascii", "replace") for line in feat.splitlines()[1:-1]]
        listed = ", ".join(features[:8]) + (", ..." if len(features) > 8 else "")
        evidence = f"AUTH TLS answered {show(reply)!r}; FEAT: {one_line(listed) or 'none'}"
        yield self.finding(
            target, evidence, detail={"auth_tls_reply": code, "features": features[:32]}
        )
