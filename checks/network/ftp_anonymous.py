"""FTP server accepts anonymous login.

Anonymous FTP lets anyone who reaches the server list and download whatever the anonymous root
holds, and, where uploads are enabled, use the server as a drop box. The check reads the ``220``
banner of each service discovery names ``ftp``, sends ``USER anonymous`` and, when asked for a
password, ``PASS scanner@example.invalid``, and reports when the server answers ``230`` (logged
in). It then sends ``QUIT``: it never lists a directory, opens a data connection or writes. A
``530`` or other ``5xx`` refusal is a pass; a port that stays silent is inconclusive, and one
that speaks another protocol is not applicable. Some servers delay a failed login by seconds;
the check waits for the answer up to its deadline.

Sample evidence::

    banner '220 (vsFTPd 3.0.3)'; USER anonymous answered '230 Login successful.'
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
)


class FtpAnonymous(Check):
    id = "net.ftp-anonymous"
    title = "FTP server accepts anonymous login"
    family = "network"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("ftp",))
    references = ("CWE-287", "CWE-306", "MLPS-8.1.4.1a", "CSL-21")
    remediation = (
        "Disable anonymous access (anonymous_enable=NO in vsftpd, or the equivalent setting), "
        "serve public files over HTTPS instead, and restrict the FTP port to the clients that "
        "need it."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        with ctx.connect(target.address, target.service.port, read_limit=65536) as conn:
            banner = greeting(conn, ctx)
            conn.send(b"USER anonymous\r\n")
            code, reply = read_reply(conn)
            step = "USER anonymous"
            if code == 331:
                conn.send(b"PASS scanner@example.invalid\r\n")
                code, reply = read_reply(conn)
                step = "USER anonymous / PASS scanner@example.invalid"
            if code == 230 or 500 <= code < 600:
                conn.send(b"QUIT\r\n")
        if 500 <= code < 600:
            return  # anonymous login refused: a pass
        if code != 230:
            raise Inconclusive(f"{step} answered {show(reply)!r}")
        evidence = f"banner {show(banner)!r}; {step} answered {show(reply)!r}"
        yield self.finding(target, evidence, detail={"reply_code": code})
