"""web.backup-exposed: confirmed by content, never on a soft 404."""

from __future__ import annotations

import io
import zipfile

import pytest

from checks.web.backup_exposed import BackupExposed
from scanner.core.models import AttemptStatus
from tests.helpers import run_check, url_target
from tests.hostile_http import NOT_FOUND, Answer, html_page, site_server
from tests.lab import lab


def a_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("index.php", "<?php echo 'lab'; ?>")
    return buf.getvalue()


@pytest.mark.lab
def test_weak_site_exposes_an_sql_dump(lab_state: lab.LabState) -> None:
    url = f"http://{lab.WEAK_ADDR}/"
    attempt = run_check(BackupExposed, url_target(url, lab.WEAK_ADDR))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.location == f"{url}backup.sql"
    assert finding.evidence == (
        f"{url}backup.sql answered 200 with an SQL dump (MySQL dump header), 175 bytes"
    )


@pytest.mark.lab
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_hardened_site_has_no_backups(lab_state: lab.LabState, scheme: str) -> None:
    url = f"{scheme}://{lab.HARDENED_ADDR}/"
    attempt = run_check(BackupExposed, url_target(url, lab.HARDENED_ADDR))
    assert attempt.status == AttemptStatus.PASS, attempt.reason


def test_archive_and_source_copies_are_recognised() -> None:
    data = a_zip()
    files = {
        "/www.zip": (200, [("Content-Type", "application/zip")], data),
        "/index.php.bak": (200, [("Content-Type", "text/html")], b"<?php $db = 'x';"),
        "/web.config.bak": (200, [], b'<?xml version="1.0"?>\n<configuration>\n'),
    }
    with site_server(lambda m, path, r: files.get(path, NOT_FOUND)) as url:
        attempt = run_check(BackupExposed, url_target(url, "127.0.0.1"))
    assert [f.evidence for f in attempt.findings] == [
        f"{url}www.zip answered 200 with a ZIP archive, {len(data)} bytes",
        f"{url}index.php.bak answered 200 with PHP source code, 16 bytes",
        f"{url}web.config.bak answered 200 with an XML configuration file, 38 bytes",
    ]


def test_soft_404s_are_never_reported() -> None:
    # A site answering 200 with its home page for every path, and the same zip for every *.zip.
    data = a_zip()

    def site(method: str, path: str, raw: str) -> Answer:
        if path.endswith(".zip"):
            return 200, [("Content-Type", "application/zip")], data
        return html_page("<html><body>CREATE TABLE is a phrase on this home page</body></html>")

    with site_server(site) as url:
        attempt = run_check(BackupExposed, url_target(url, "127.0.0.1"))
    assert attempt.status == AttemptStatus.PASS, attempt.findings
