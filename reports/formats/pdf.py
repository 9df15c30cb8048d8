"""PDF: the HTML documents printed by WeasyPrint with every URL fetch refused; CJK text needs
the Noto CJK fonts (Debian: fonts-noto-cjk)."""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

from reports.format import ClosureFormat
from reports.formats.html import Html
from scanner.core.documents import Notice


@functools.cache
def _no_fetch() -> Any:
    # Imported lazily: WeasyPrint loads Pango and fonts, which only PDF output needs.
    from weasyprint.urls import URLFetcher  # noqa: PLC0415 (lazy on purpose, see above)

    class NoFetch(URLFetcher):  # type: ignore[misc]
        """Refuse every URL: a notice is self-contained, and nothing a target sent may make
        the renderer reach out (file://, http://, data:)."""

        def fetch(self, url: str, headers: object = None) -> object:
            raise ValueError(f"a notice loads no external resource (refused {url[:80]!r})")

    return NoFetch()


def html_to_pdf(html: bytes | str) -> bytes:
    """Print HTML to PDF with WeasyPrint."""
    import weasyprint  # noqa: PLC0415 (lazy: loading it costs ~1 s, only PDF output needs it)

    text = html.decode("utf-8") if isinstance(html, bytes) else html
    pdf: bytes = weasyprint.HTML(string=text, base_url=None, url_fetcher=_no_fetch()).write_pdf()
    return pdf


class Pdf(ClosureFormat):
    """Notices and closure letters as PDF, printed from their HTML."""

    name = "pdf"
    extension = "pdf"

    def render_notice(self, notice: Notice, lang: str) -> bytes:
        """The notice's HTML page, printed."""
        return html_to_pdf(Html().render_notice(notice, lang))

    def render_closure(self, notice: Notice, lang: str, day: date) -> bytes:
        """The closure letter's HTML page, printed."""
        return html_to_pdf(Html().render_closure(notice, lang, day))
