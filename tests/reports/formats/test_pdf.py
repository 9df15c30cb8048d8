"""reports.formats.pdf: the HTML printed to PDF, nothing fetched."""

from __future__ import annotations

import pytest

from reports.formats.pdf import Pdf, _no_fetch, html_to_pdf
from tests.reports.samples import tiny_notice


def test_notice_is_a_pdf() -> None:
    pdf = Pdf().render_notice(tiny_notice(), "zh-CN")
    assert pdf.startswith(b"%PDF-")
    assert b"/JavaScript" not in pdf and b"/URI" not in pdf


def test_no_url_is_fetched() -> None:
    with pytest.raises(ValueError, match="loads no external resource"):
        _no_fetch().fetch("file:///etc/passwd")
    pdf = html_to_pdf('<html><body><img src="file:///etc/passwd"><p>x</p></body></html>')
    assert pdf.startswith(b"%PDF-")
    assert b"root:" not in pdf


def test_name_and_extension() -> None:
    assert (Pdf.name, Pdf.extension) == ("pdf", "pdf")
