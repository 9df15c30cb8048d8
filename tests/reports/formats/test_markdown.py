"""reports.formats.markdown: notices, summaries and closure letters as escaped Markdown."""

from __future__ import annotations

from reports.formats.markdown import Markdown
from tests.reports.samples import ISSUED, closed_notice, sample_summary, tiny_notice


def test_notice_is_escaped_markdown_with_the_notices_own_translations() -> None:
    md = Markdown().render_notice(tiny_notice(), "zh-CN").decode("utf-8")
    assert md.startswith("#") or md.lstrip().startswith("#")
    assert "示例问题 &lt;b&gt;不是标记&lt;/b&gt;" in md
    assert "<b>" not in md
    assert "Example weakness" not in md


def test_summary_has_tables_not_charts() -> None:
    md = Markdown().render_summary(sample_summary(), "en").decode("utf-8")
    assert "<svg" not in md
    assert "| " in md


def test_closure_letter() -> None:
    md = Markdown().render_closure(closed_notice(), "zh-CN", ISSUED).decode("utf-8")
    assert "网络安全隐患整改确认书" in md


def test_name_and_extension() -> None:
    assert (Markdown.name, Markdown.extension) == ("md", "md")
