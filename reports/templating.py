"""The jinja2 environment of the text formats, and what keeps a target's text inert in it.

Text formats come from the templates in ``templates/`` rendered with ``StrictUndefined`` (a
missing field is an error, never an empty cell), autoescaping for HTML and :func:`md_escape` for
Markdown. Both languages come from the same templates through gettext (:mod:`reports.catalogs`).
Everything a target sent (evidence, locations, asset names) is shown inert: control characters
become visible ``\\xNN`` escapes in every template (the environment's ``finalize``), HTML escapes
it and Markdown escapes its syntax.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from reports.catalogs import LANGUAGES, choose, translations
from reports.charts import LEVEL_COLORS, px
from reports.labels import label
from scanner.core.lifecycle import LEVELS, ItemStatus
from scanner.core.text import clean

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: Every template, for tests that check each one in isolation.
TEMPLATE_NAMES = (
    "notice.html",
    "notice.md",
    "closure.html",
    "closure.md",
    "summary.html",
    "summary.md",
    "diff.html",
)


def inert(value: object) -> object:
    """Show control characters in text as ``\\xNN`` escapes; markup we made passes unchanged.

    Used as the environment's ``finalize``, so it applies to every ``{{ ... }}`` of every
    template before escaping. The store's text is already cleaned; this is the second fence.
    """
    if isinstance(value, str) and not isinstance(value, Markup):
        return clean(value, sys.maxsize)
    return value


# Characters that start Markdown syntax anywhere in a line; parentheses, braces and "!" only
# matter after "[" or "]", which are escaped.
_MD_PUNCT = re.compile(r"([\\`*_\[\]|~])")
# Block syntax at the start of a line: heading, list item, setext underline, ordered list.
_MD_START = re.compile(r"^(\s*)(?:([-+=#])|(\d+)([.)]))", re.MULTILINE)


def _md_start(m: re.Match[str]) -> str:
    if m.group(2):
        return f"{m.group(1)}\\{m.group(2)}"
    return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"


def md_escape(value: object) -> str:
    """Make ``value`` literal Markdown text, safe inline and in a table cell.

    Markdown punctuation is backslash-escaped (backticks, emphasis, links, ``#`` headings,
    ``|`` table pipes), ``&``, ``<`` and ``>`` become entities so no raw HTML gets through, list
    and setext markers at a line start are neutralised, and newlines become ``<br>`` so a value
    never leaves its paragraph or table cell.
    """
    text = clean(str(value), sys.maxsize)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_PUNCT.sub(r"\\\1", text)
    text = _MD_START.sub(_md_start, text)
    return text.replace("\r", "").replace("\n", "<br>")


@functools.cache
def _locale(lang: str) -> Locale:
    # English dates read day-month-year ("5 March 2026"), as official letters outside the US do.
    return Locale.parse("en_GB" if lang == "en" else lang, sep="-" if "-" in lang else "_")


@functools.lru_cache(maxsize=4096)  # a notice repeats a handful of days many times
def format_day(value: date | None, lang: str) -> str:
    """A day as a letter writes it: ``2026年3月5日`` / ``5 March 2026``; empty for None."""
    if value is None:
        return ""
    return format_date(value, "long", locale=_locale(lang))


def format_moment(value: datetime) -> str:
    """A moment in UTC, the same in every language: ``2026-03-05 09:30 UTC``."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def format_number(value: float | int) -> str:
    """A count or amount as both languages write it in a report: ``1,206``, ``12,500.5``."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{int(value):,}"


def format_rate(value: float | None) -> str:
    """A rate as a whole percentage (``62%``); ``—`` when there is none."""
    return "—" if value is None else f"{value:.0%}"


def join_list(values: Iterable[object], lang: str) -> str:
    """Join items as running text does in ``lang``: ``甲、乙`` / ``a, b``."""
    return ("、" if lang == "zh-CN" else ", ").join(str(v) for v in values)


@pass_context
def _catalog(context: Context, text: str) -> str:
    # Check titles and remediation: the catalogs, then the translations the document brought
    # (the context's ``translate``, see reports.context), so the environment stays per language.
    translate = context["translate"]
    result: str = translate(text)
    return result


@functools.cache
def environment(lang: str) -> Environment:
    """The jinja2 environment of ``lang``: strict, autoescaping HTML, with its catalogs."""
    choose(lang, LANGUAGES, "language")
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg"], default_for_string=False, default=False),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=inert,
    )
    env.policies["ext.i18n.trimmed"] = True
    catalog = translations(lang)
    env.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        md=md_escape,
        label=functools.partial(label, catalog.gettext),
        catalog=_catalog,
        day=functools.partial(format_day, lang=lang),
        moment=format_moment,
        px=px,
        num=format_number,
        rate=format_rate,
        join_list=functools.partial(join_list, lang=lang),
    )
    # Sentences run together in Chinese and take a space in English.
    env.globals.update(
        lang=lang,
        LEVELS=LEVELS,
        COLORS=LEVEL_COLORS,
        ItemStatus=ItemStatus,
        gap="" if lang == "zh-CN" else " ",
    )
    return env


def render_template(lang: str, name: str, context: Mapping[str, Any]) -> bytes:
    """Template ``name`` rendered in ``lang`` with ``context``, as UTF-8."""
    return environment(lang).get_template(name).render(context).encode("utf-8")
