"""What a service announces unasked, read once per service and run: the ``Server`` header of a
web server, the 220 greeting of an FTP or SMTP server, the server version of a MySQL/MariaDB
handshake. Nothing is sent beyond what a client must send to be answered (an HTTP GET of ``/``
without following redirects; nothing at all on FTP, SMTP and MySQL, which greet first), and
every read is capped and bounded by the check's deadline.

``announcement`` returns the kind of announcement (a key of ``_versions.ANNOUNCED``) and its
text, cleaned to one line, or None for a service that announces nothing we read.
"""

from __future__ import annotations

from checks.protocols.ftp import BANNER_WAIT, read_reply
from checks.protocols.mysql import read_greeting
from scanner.api import CheckContext, Inconclusive, ServiceTarget, one_line, url_host

#: nmap's names of the services each announcement is read on.
KINDS = {
    "http": "http",
    "http-alt": "http",
    "http-proxy": "http",
    "https": "http",
    "https-alt": "http",
    "ssl/http": "http",
    "ftp": "ftp",
    "smtp": "smtp",
    "submission": "smtp",
    "mysql": "mysql",
}
HTTPS = ("https", "https-alt", "ssl/http")
#: The greeting and the page are cut here: a version is in their first bytes.
GREETING_BYTES = 4096
PAGE_BYTES = 4096


def announcement(target: ServiceTarget, ctx: CheckContext) -> tuple[str, str] | None:
    """(kind, text) of what ``target``'s service announces, or None when it announces nothing
    we read (its kind has no reader, or the server sent no version-bearing part)."""
    service = target.service
    kind = KINDS.get(service.name)
    if kind is None:
        return None

    def read() -> str:
        if kind == "http":
            return _server_header(target, ctx)
        if kind == "mysql":
            with ctx.connect(target.address, service.port, read_limit=GREETING_BYTES) as conn:
                return read_greeting(conn).version
        with ctx.connect(target.address, service.port, read_limit=GREETING_BYTES) as conn:
            try:
                code, reply = read_reply(conn, BANNER_WAIT)  # SMTP replies share FTP's grammar
            except TimeoutError:
                ctx.remaining()  # the deadline passing is not silence: let it raise
                raise Inconclusive(f"no greeting within {BANNER_WAIT:.0f} s") from None
            if code != 220:
                return ""
            lines = reply.decode("utf-8", "replace").splitlines()  # a multi-line greeting
            return " ".join(line.strip() for line in lines if line.strip())

    text = ctx.collect(("announcement", target.address, service.port, kind), read)
    return (kind, one_line(text, 255)) if text else None


def _server_header(target: ServiceTarget, ctx: CheckContext) -> str:
    """The ``Server`` header of ``/`` on this very port (a redirect is not followed: the next
    hop may be another server)."""
    host = target.hostname or target.address
    scheme = "https" if target.service.name in HTTPS else "http"
    url = f"{scheme}://{url_host(host)}:{target.service.port}/"
    response = ctx.http_get(url, max_bytes=PAGE_BYTES, follow=False)
    return response.header("Server") or ""
