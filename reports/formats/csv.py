"""CSV: one row per notice item, header translated, UTF-8 with a BOM so spreadsheets read it as
such; no cell can start a spreadsheet formula (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
import sys

from reports.catalogs import N_
from reports.context import notice_translator, other_references
from reports.format import Format
from reports.labels import NO, YES, label
from scanner.core.documents import Notice
from scanner.core.text import clean
from scanner.notices import regimes

#: CSV columns: (key, header). The header row is translated.
CSV_COLUMNS = (
    ("notice", N_("Notice number")),
    ("entity", N_("Entity")),
    ("rank", N_("No.")),
    ("level", N_("Risk level")),
    ("score", N_("Risk score")),
    ("severity", N_("Severity")),
    ("check_id", N_("Check")),
    ("title", N_("Issue")),
    ("asset_id", N_("Asset ID")),
    ("asset", N_("Asset")),
    ("location", N_("Location")),
    ("evidence", N_("Evidence")),
    ("remediation", N_("Remediation")),
    ("legal_basis", N_("Legal basis")),
    ("references", N_("References")),
    ("deadline", N_("Deadline")),
    ("first_seen", N_("First seen")),
    ("status", N_("Status")),
    ("overdue", N_("Overdue")),
    ("issue_id", N_("Issue ID")),
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: no formula, no control characters."""
    text = clean(str(value), sys.maxsize)
    return "'" + text if text.startswith(_FORMULA_START) else text


def notice_csv(notice: Notice, lang: str) -> bytes:
    """One row per item, after the translated header row."""
    regime = regimes.load(notice.legal_regime)
    t = notice_translator(notice, lang)
    yes, no = t(YES), t(NO)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([t(header) for _, header in CSV_COLUMNS])
    for i in notice.items:
        row: dict[str, object] = {
            "notice": notice.number,
            "entity": notice.entity_name,
            "rank": i.rank,
            "level": label(t, i.level, "level"),
            "score": f"{i.score:.1f}",
            "severity": label(t, i.severity, "severity"),
            "check_id": i.check_id,
            "title": t(i.title),
            "asset_id": i.asset_id,
            "asset": i.asset,
            "location": i.location,
            "evidence": i.evidence,
            "remediation": t(i.remediation),
            "legal_basis": "; ".join(
                regime.cite(ref, lang, notice.issued) for ref in i.legal_basis
            ),
            "references": "; ".join(
                regime.cite(ref, lang, notice.issued) for ref in other_references(i)
            ),
            "deadline": i.deadline.isoformat(),
            "first_seen": i.first_seen.isoformat(),
            "status": label(t, i.status, "status"),
            "overdue": yes if i.overdue else no,
            "issue_id": i.issue_id,
        }
        writer.writerow([csv_cell(row[key]) for key, _ in CSV_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


class Csv(Format):
    """Notices as CSV tables (a format of notices only)."""

    name = "csv"
    extension = "csv"

    def render_notice(self, notice: Notice, lang: str) -> bytes:
        """:func:`notice_csv`."""
        return notice_csv(notice, lang)
