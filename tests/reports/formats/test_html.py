"""reports.formats.html: self-contained, escaped HTML of notices, summaries and closure letters."""

from __future__ import annotations

from reports.formats.html import Html
from tests.reports.samples import ISSUED, closed_notice, sample_summary, tiny_notice


def test_notice_is_escaped_html_with_the_notices_own_translations() -> None:
    html = Html().render_notice(tiny_notice(), "zh-CN").decode("utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "示例问题 &lt;b&gt;不是标记&lt;/b&gt;" in html
    assert "修复示例问题。" in html
    assert "<b>不是标记</b>" not in html
    assert "Example weakness" not in html


def test_english_keeps_the_english_texts() -> None:
    html = Html().render_notice(tiny_notice(), "en").decode("utf-8")
    assert "Example weakness &lt;b&gt;not markup&lt;/b&gt;" in html


def test_summary_and_closure() -> None:
    assert Html().render_summary(sample_summary(), "en").count(b"<svg") >= 1
    letter = Html().render_closure(closed_notice(), "en", ISSUED).decode("utf-8")
    assert "Confirmation of Rectification" in letter


def test_name_and_extension() -> None:
    assert (Html.name, Html.extension) == ("html", "html")
