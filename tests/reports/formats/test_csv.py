"""reports.formats.csv: one row per item, translated header, no formula cells."""

from __future__ import annotations

import csv
import io

from reports.formats.csv import CSV_COLUMNS, Csv, csv_cell
from tests.reports.samples import tiny_notice


def _rows(lang: str) -> list[list[str]]:
    raw = Csv().render_notice(tiny_notice(), lang)
    assert raw.startswith("\ufeff".encode())  # the BOM spreadsheets read UTF-8 by
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_header_is_translated_and_one_row_per_item() -> None:
    header, *rows = _rows("zh-CN")
    assert len(header) == len(CSV_COLUMNS) and header[0] == "通知书编号"
    assert len(rows) == 1
    row = dict(zip([key for key, _ in CSV_COLUMNS], rows[0], strict=True))
    assert row["title"] == "示例问题 <b>不是标记</b>"  # the notice's own translation
    assert row["evidence"] == '\'=cmd|" /C calc"!A0'  # shown as text, never a formula
    assert _rows("en")[0][0] == "Notice number"


def test_csv_cell() -> None:
    assert csv_cell("+1") == "'+1"
    assert csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("plain") == "plain"
    assert csv_cell("a\x1bb") == "a\\x1bb"


def test_name_and_extension() -> None:
    assert (Csv.name, Csv.extension) == ("csv", "csv")
