"""Markdown: the same documents as text, every value from a document escaped with
:func:`reports.templating.md_escape`; the summary has tables instead of charts
(``templates/*.md``)."""

from __future__ import annotations

from reports.formats.templated import Templated


class Markdown(Templated):
    """Notices, summaries and closure letters as Markdown."""

    name = "md"
    extension = "md"
