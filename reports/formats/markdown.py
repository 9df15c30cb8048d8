"""Markdown: the same documents as text, every value from a document escaped with
:func:`reports.templating.md_escape` (the summary has tables instead of charts)."""

from __future__ import annotations

from datetime import date

from reports.closure import closure_context
from reports.context import notice_context, summary_context
from reports.format import ClosureFormat, SummaryFormat
from reports.templating import render_template
from scanner.core.documents import Notice, Summary


class Markdown(SummaryFormat, ClosureFormat):
    """Notices, summaries and closure letters as Markdown."""

    name = "md"
    extension = "md"

    def render_notice(self, notice: Notice, lang: str) -> bytes:
        """The notice as Markdown."""
        return render_template(lang, "notice.md", notice_context(notice, lang))

    def render_summary(self, summary: Summary, lang: str) -> bytes:
        """The summary as Markdown."""
        return render_template(lang, "summary.md", summary_context(summary, lang))

    def render_closure(self, notice: Notice, lang: str, day: date) -> bytes:
        """The closure letter as Markdown."""
        return render_template(lang, "closure.md", closure_context(notice, lang, day))
