"""HTML: self-contained pages (no external fonts, images, stylesheets or scripts), printable
on A4, autoescaped; the summary's charts are inline SVG."""

from __future__ import annotations

from datetime import date

from reports.closure import closure_context
from reports.context import notice_context, summary_context
from reports.format import ClosureFormat, SummaryFormat
from reports.templating import render_template
from scanner.core.documents import Notice, Summary


class Html(SummaryFormat, ClosureFormat):
    """Notices, summaries and closure letters as HTML."""

    name = "html"
    extension = "html"

    def render_notice(self, notice: Notice, lang: str) -> bytes:
        """The notice page."""
        return render_template(lang, "notice.html", notice_context(notice, lang))

    def render_summary(self, summary: Summary, lang: str) -> bytes:
        """The summary page, with its charts."""
        return render_template(lang, "summary.html", summary_context(summary, lang))

    def render_closure(self, notice: Notice, lang: str, day: date) -> bytes:
        """The closure letter page."""
        return render_template(lang, "closure.html", closure_context(notice, lang, day))
