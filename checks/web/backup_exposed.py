"""Backup or database dump downloadable from the web site.

Site archives (``www.zip``), database dumps (``backup.sql``) and editor or admin copies of code
and configuration (``index.php.bak``, ``web.config.bak``) left in the web root give away the
source, the credentials in it, and often every user's personal data. The check requests a short
list of the usual names (at the site root, and under the URL's directory when the site is
declared below the root) and reports a file only when its **content** confirms it: a ZIP or gzip
archive (magic bytes ``PK\\x03\\x04``, ``\\x1f\\x8b``, a tar header), an SQL dump (``CREATE
TABLE``, ``INSERT INTO``, a mysqldump or pg_dump header), PHP source (``<?php``) or an ASP.NET
configuration (``<configuration>``). A 200 answer alone is never reported, and neither is one
that a random path with the same ending also gets (a soft 404 that answers every ``*.zip``
alike). At most 64 KiB of each file is read; nothing of its content enters the evidence.

Sample evidence::

    https://portal.example/backup.sql answered 200 with an SQL dump (CREATE TABLE), 1835 bytes
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.web._web import PROBE_BYTES, probes, soft_match
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    HttpResponse,
    Severity,
    UrlTarget,
    one_line,
)

PATHS = (
    "/www.zip",
    "/wwwroot.zip",
    "/web.zip",
    "/backup.zip",
    "/site.zip",
    "/backup.tar.gz",
    "/backup.sql",
    "/db.sql",
    "/database.sql",
    "/dump.sql",
    "/index.php.bak",
    "/config.php.bak",
    "/web.config.bak",
)
SQL = re.compile(
    rb"^\s*(CREATE TABLE|INSERT INTO|DROP TABLE|LOCK TABLES|-- MySQL dump|"
    rb"-- PostgreSQL database dump|CREATE DATABASE)",
    re.IGNORECASE | re.MULTILINE,
)
PAGE = (b"<!doctype html", b"<html")
CONFIG = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?<configuration[\s>]", re.I)


def sql_sign(keyword: bytes) -> str:
    """``CREATE TABLE``, or ``MySQL dump header`` for a dump tool's comment line."""
    text = keyword.decode("ascii")
    return f"{text[3:]} header" if text.startswith("-- ") else text.upper()


def kind(response: HttpResponse) -> str:
    """What the body is, when it is one of the recognised backups; '' otherwise."""
    body = response.body[:PROBE_BYTES]
    if response.status != 200 or body.lstrip()[:14].lower().startswith(PAGE):
        return ""  # not there, or a page (an error page, a soft 404) whatever words it holds
    sql = SQL.search(body)
    found = [
        (body.startswith((b"PK\x03\x04", b"PK\x05\x06")), "a ZIP archive"),
        (body.startswith(b"\x1f\x8b"), "a gzip archive"),
        (body[257:262] == b"ustar", "a tar archive"),
        (sql is not None, f"an SQL dump ({sql_sign(sql.group(1))})" if sql else ""),
        (body.lstrip().startswith(b"<?php"), "PHP source code"),
        (CONFIG.match(body) is not None, "an XML configuration file"),
    ]
    return next((what for hit, what in found if hit), "")


class BackupExposed(Check):
    id = "web.backup-exposed"
    title = "Backup, archive or database dump downloadable from the web site"
    family = "web"
    severity = Severity.HIGH
    applies_to = AppliesTo(kinds=(AssetKind.URL,))
    references = ("CWE-530", "CWE-538", "MLPS-8.1.4.8", "PIPL-51")
    remediation = (
        "Remove backups, dumps and archives from the web root and keep them on storage the web "
        "server cannot serve; deny backup extensions (.zip, .sql, .bak, .tar.gz) on the server, "
        "and rotate credentials the files contained."
    )

    def run(self, target: UrlTarget, ctx: CheckContext) -> Iterator[Finding]:
        for url, response in probes(ctx, target, PATHS):
            what = kind(response)
            if not what or soft_match(ctx, url, response, lambda r: bool(kind(r))):
                continue
            length = response.header("Content-Length") or ""
            size = (
                f"{int(length)} bytes"
                if length.isdigit()
                else f"{len(response.body)}{'+' if response.truncated else ''} bytes read"
            )
            yield self.finding(
                target, f"{one_line(url, 120)} answered 200 with {what}, {size}", location=url
            )
