"""HTML: self-contained pages (no external fonts, images, stylesheets or scripts), printable
on A4, autoescaped; the summary's charts are inline SVG (``templates/*.html``)."""

from __future__ import annotations

from reports.formats.templated import Templated


class Html(Templated):
    """Notices, summaries and closure letters as HTML."""

    name = "html"
    extension = "html"
