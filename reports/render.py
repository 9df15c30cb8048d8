"""Render notices, closure letters and campaign summaries in every format and language.

The entry points the application and the CLI call: each looks the format up in the registry
(:data:`reports.formats.REGISTRY`), checks the language, and hands the document to the format.
The documents arrive as frozen data (:mod:`scanner.core.documents`); nothing here reads the
store. Where the work is done: :mod:`reports.formats` (one module per format),
:mod:`reports.templating` (jinja2 and escaping), :mod:`reports.catalogs` (gettext),
:mod:`reports.charts` (the summary's SVG charts), :mod:`reports.closure` and :mod:`reports.diff`.
"""

from __future__ import annotations

from datetime import date

from reports.catalogs import LANGUAGES, choose
from reports.diff import DIFF_GROUPS, render_diff
from reports.format import ClosureFormat, SummaryFormat
from reports.formats import REGISTRY
from reports.templating import md_escape
from scanner.core.documents import Notice, Summary

#: The formats of notices, of summaries and of closure letters, in the registry's order.
FORMATS = tuple(REGISTRY)
SUMMARY_FORMATS = tuple(name for name, f in REGISTRY.items() if isinstance(f, SummaryFormat))
CLOSURE_FORMATS = tuple(name for name, f in REGISTRY.items() if isinstance(f, ClosureFormat))


def render_notice(notice: Notice, fmt: str, lang: str) -> bytes:
    """The rectification notice in ``fmt`` (one of :data:`FORMATS`) and ``lang``."""
    choose(fmt, tuple(REGISTRY), "format")
    choose(lang, LANGUAGES, "language")
    return REGISTRY[fmt].render_notice(notice, lang)


def render_summary(summary: Summary, fmt: str, lang: str) -> bytes:
    """The campaign summary in ``fmt`` (one of :data:`SUMMARY_FORMATS`) and ``lang``."""
    formats = {n: f for n, f in REGISTRY.items() if isinstance(f, SummaryFormat)}
    choose(fmt, tuple(formats), "summary format")
    choose(lang, LANGUAGES, "language")
    return formats[fmt].render_summary(summary, lang)


def closure_letter(
    notice: Notice, lang: str, fmt: str = "html", *, day: date | None = None
) -> bytes:
    """A short letter confirming that every item of ``notice`` is rectified or accepted.

    ``day`` dates the letter (default: today). A notice with an item still open is a
    ValueError naming the open items: it gets no closure letter.
    """
    formats = {n: f for n, f in REGISTRY.items() if isinstance(f, ClosureFormat)}
    choose(fmt, tuple(formats), "closure letter format")
    choose(lang, LANGUAGES, "language")
    return formats[fmt].render_closure(notice, lang, day if day is not None else date.today())


__all__ = [
    "CLOSURE_FORMATS",
    "DIFF_GROUPS",
    "FORMATS",
    "LANGUAGES",
    "SUMMARY_FORMATS",
    "closure_letter",
    "md_escape",
    "render_diff",
    "render_notice",
    "render_summary",
]
