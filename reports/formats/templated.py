"""What the template formats share: a format whose documents are the jinja2 templates
``notice.<ext>``, ``summary.<ext>`` and ``closure.<ext>`` (HTML and Markdown)."""

from __future__ import annotations

from datetime import date

from reports.closure import closure_context
from reports.context import notice_context, summary_context
from reports.format import ClosureFormat, SummaryFormat
from reports.templating import render_template
from scanner.core.documents import Notice, Summary


class Templated(SummaryFormat, ClosureFormat):
    """Notices, summaries and closure letters from the templates named by the extension."""

    def render_notice(self, notice: Notice, lang: str) -> bytes:
        """``notice.<ext>``."""
        return render_template(lang, f"notice.{self.extension}", notice_context(notice, lang))

    def render_summary(self, summary: Summary, lang: str) -> bytes:
        """``summary.<ext>``."""
        context = summary_context(summary, lang)
        return render_template(lang, f"summary.{self.extension}", context)

    def render_closure(self, notice: Notice, lang: str, day: date) -> bytes:
        """``closure.<ext>``; a ValueError while an item is open."""
        context = closure_context(notice, lang, day)
        return render_template(lang, f"closure.{self.extension}", context)
