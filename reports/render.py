"""Render notices, closure letters and campaign summaries in every format and language.

The documents arrive as frozen data (:mod:`scanner.core.documents`); this module never reads the
store.
Text formats come from jinja2 templates in ``templates/`` rendered with ``StrictUndefined`` (a
missing field is an error, never an empty cell), autoescaping for HTML and :func:`md_escape` for
Markdown. Both languages come from the same templates through gettext: the zh-CN catalogs in
``locale/zh_CN/LC_MESSAGES/*.po`` are compiled in memory with Babel when first needed, so no
binary ``.mo`` file is kept in the repository; English needs no catalog (msgid = English). Check
titles and remediation text are translated through the same catalogs (``checks.po``), except the
management checklist's questions, whose translations are written in their own YAML files and are
looked up after the catalogs (:class:`DataTranslations`).

Everything a target sent (evidence, locations, asset names) is shown inert: control characters
become visible ``\\xNN`` escapes in every format (the environment's ``finalize``), HTML escapes it,
Markdown escapes its syntax, CSV cells cannot start a spreadsheet formula, and the PDF is made
from the escaped HTML by WeasyPrint with every URL fetch refused.
"""

from __future__ import annotations

import csv
import functools
import gettext
import io
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from scanner.core.documents import LEVELS, HistoryPoint, Notice, NoticeItem, Summary
from scanner.core.text import clean
from scanner.engine.checklist import translated_texts
from scanner.notices import regimes

FORMATS = ("html", "md", "pdf", "json", "csv")
SUMMARY_FORMATS = ("html", "md", "json")
CLOSURE_FORMATS = ("html", "md", "pdf")
LANGUAGES = ("zh-CN", "en")

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
LOCALE = HERE / "locale"

#: Item statuses that no longer need rectification: a notice whose items are all in one of
#: these gets a closure letter.
CLOSED = frozenset({"fixed", "rectified", "accepted", "false_positive"})

#: Version of the JSON documents (``notice.schema.json``, ``summary.schema.json``).
SCHEMA_VERSION = 1


def N_(message: str) -> str:
    """Mark ``message`` for extraction into the catalog; it is translated where it is shown."""
    return message


LABELS: dict[str, dict[str, str]] = {
    "level": {"high": N_("High risk"), "medium": N_("Medium risk"), "low": N_("Low risk")},
    "severity": {
        "critical": N_("Critical"),
        "high": N_("High"),
        "medium": N_("Medium"),
        "low": N_("Low"),
        "info": N_("Info"),
    },
    "status": {
        "open": N_("Open"),
        "reopened": N_("Reopened"),
        "fixed": N_("Fixed"),
        "accepted": N_("Accepted (waiver)"),
        "false_positive": N_("False positive"),
        "rectified": N_("Rectified"),
        "not_rectified": N_("Not rectified"),
        "could_not_verify": N_("Could not verify"),
    },
    "notice_status": {
        "issued": N_("Issued"),
        "partially_rectified": N_("Partially rectified"),
        "rectified": N_("Rectified"),
        "overdue": N_("Overdue"),
    },
    "sector": {
        "energy": N_("Energy"),
        "water": N_("Water"),
        "finance": N_("Finance"),
        "transport": N_("Transport"),
        "telecom": N_("Telecommunications"),
        "government": N_("Government"),
        "healthcare": N_("Healthcare"),
        "education": N_("Education"),
        "media": N_("Media"),
        "cloud": N_("Cloud and data centres"),
        "manufacturing": N_("Manufacturing"),
    },
    "mode": {
        "remote": N_("Remote inspection"),
        "onsite": N_("On-site inspection"),
        "checklist": N_("Management checklist"),
    },
}

YES, NO = N_("Yes"), N_("No")

#: CSV columns: (key, header). The header row is translated.
CSV_COLUMNS = (
    ("notice", N_("Notice number")),
    ("entity", N_("Entity")),
    ("rank", N_("No.")),
    ("level", N_("Risk level")),
    ("score", N_("Risk score")),
    ("severity", N_("Severity")),
    ("check_id", N_("Check")),
    ("title", N_("Issue")),
    ("asset_id", N_("Asset ID")),
    ("asset", N_("Asset")),
    ("location", N_("Location")),
    ("evidence", N_("Evidence")),
    ("remediation", N_("Remediation")),
    ("legal_basis", N_("Legal basis")),
    ("references", N_("References")),
    ("deadline", N_("Deadline")),
    ("first_seen", N_("First seen")),
    ("status", N_("Status")),
    ("overdue", N_("Overdue")),
    ("issue_id", N_("Issue ID")),
)


#: Chart colours per risk level (the same as the badges in _style.css).
LEVEL_COLORS = {"high": "#b3261e", "medium": "#b86e00", "low": "#3a6ea5"}


def _px(value: float) -> str:
    """An SVG coordinate, short: 12.0 -> 12, 12.345 -> 12.3."""
    return f"{value:.1f}".removesuffix(".0")


def _choose(value: str, choices: Sequence[str], what: str) -> None:
    if value not in choices:
        raise ValueError(f"unknown {what} {value!r}: choose one of {', '.join(choices)}")


# --- text safety -------------------------------------------------------------------------------


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


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: no formula (OWASP CSV injection), no controls."""
    text = clean(str(value), sys.maxsize)
    return "'" + text if text.startswith(_FORMULA_START) else text


# --- catalogs ----------------------------------------------------------------------------------


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The gettext catalogs of ``lang``, compiled in memory from its ``.po`` files."""
    _choose(lang, LANGUAGES, "language")
    folder = LOCALE / lang.replace("-", "_") / "LC_MESSAGES"
    merged: gettext.NullTranslations = gettext.NullTranslations()
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang.replace("-", "_"), domain=po.stem)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)  # fuzzy entries are left out, as msgfmt does
        buffer.seek(0)
        compiled = gettext.GNUTranslations(buffer)
        if type(merged) is gettext.NullTranslations:
            merged = compiled
        else:
            merged.add_fallback(compiled)
    merged.add_fallback(DataTranslations(translated_texts(lang)))
    return merged


class DataTranslations(gettext.NullTranslations):
    """Translations that come with the data instead of a catalog (the checklist questions'
    titles and remediation), keyed by their English text like a catalog's msgids."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        super().__init__()
        self._texts = dict(texts)

    def gettext(self, message: str) -> str:
        """``message`` in this language, or as the next fallback (or nobody) has it."""
        text = self._texts.get(message)
        return text if text is not None else super().gettext(message)


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


def join_list(values: Iterable[object], lang: str) -> str:
    """Join items as running text does in ``lang``: ``甲、乙`` / ``a, b``."""
    return ("、" if lang == "zh-CN" else ", ").join(str(v) for v in values)


@functools.cache
def environment(lang: str) -> Environment:
    """The jinja2 environment of ``lang``: strict, autoescaping HTML, with its catalogs."""
    _choose(lang, LANGUAGES, "language")
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

    def label(code: str, kind: str) -> str:
        text = LABELS[kind].get(code)
        return catalog.gettext(text) if text is not None else code

    env.filters.update(
        md=md_escape,
        label=label,
        catalog=catalog.gettext,  # check titles and remediation (checks.po)
        day=functools.partial(format_day, lang=lang),
        moment=format_moment,
        px=_px,
        join_list=functools.partial(join_list, lang=lang),
    )
    # Sentences run together in Chinese and take a space in English.
    env.globals.update(
        lang=lang, LEVELS=LEVELS, COLORS=LEVEL_COLORS, gap="" if lang == "zh-CN" else " "
    )
    return env


# --- notices -----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)  # the same few dozen references recur on every notice
def _cite(regime: str, ref: str, lang: str) -> str:
    return regimes.load(regime).cite(ref, lang)


def _other_references(item: NoticeItem) -> tuple[str, ...]:
    return tuple(ref for ref in item.references if ref not in item.legal_basis)


def _notice_context(notice: Notice, lang: str) -> dict[str, Any]:
    regime = regimes.load(notice.legal_regime)
    separator = "；" if lang == "zh-CN" else "; "  # noqa: RUF001 (the Chinese semicolon)

    def cite(ref: str) -> str:
        return _cite(notice.legal_regime, ref, lang)

    def cites(refs: Iterable[str]) -> str:
        return separator.join(cite(ref) for ref in refs)

    def latest(level: str) -> date | None:
        return max((i.deadline for i in notice.items if i.level == level), default=None)

    return {
        "notice": notice,
        "regime": regime,
        "cite": cite,
        "cites": cites,
        "counts": notice.counts(),
        "overdue": {lvl: sum(i.overdue for i in notice.items if i.level == lvl) for lvl in LEVELS},
        "latest": {lvl: latest(lvl) for lvl in LEVELS},
        "other_references": _other_references,
    }


def _template(lang: str, name: str, context: Mapping[str, Any]) -> bytes:
    return environment(lang).get_template(name).render(context).encode("utf-8")


def render_notice(notice: Notice, fmt: str, lang: str) -> bytes:
    """The rectification notice in ``fmt`` (one of :data:`FORMATS`) and ``lang``."""
    _choose(fmt, FORMATS, "format")
    _choose(lang, LANGUAGES, "language")
    if fmt == "json":
        return _json(notice_data(notice, lang))
    if fmt == "csv":
        return notice_csv(notice, lang)
    context = _notice_context(notice, lang)
    if fmt == "md":
        return _template(lang, "notice.md", context)
    html = _template(lang, "notice.html", context)
    return html_to_pdf(html) if fmt == "pdf" else html


def closure_letter(
    notice: Notice, lang: str, fmt: str = "html", *, day: date | None = None
) -> bytes:
    """A short letter confirming that every item of ``notice`` is rectified or accepted.

    ``day`` dates the letter (default: today). A notice with an item still open is a
    ValueError naming the open items: it gets no closure letter.
    """
    _choose(fmt, CLOSURE_FORMATS, "closure letter format")
    _choose(lang, LANGUAGES, "language")
    still_open = [i for i in notice.items if i.status not in CLOSED]
    if still_open:
        listed = ", ".join(f"#{i.rank} {i.check_id} ({i.status})" for i in still_open[:10])
        raise ValueError(
            f"notice {notice.number} has {len(still_open)} item(s) not rectified or accepted: "
            f"{listed}; a closure letter needs every item in {', '.join(sorted(CLOSED))}"
        )
    context = _notice_context(notice, lang)
    context["day"] = day if day is not None else date.today()
    context["by_status"] = {
        status: sum(i.status == status for i in notice.items) for status in sorted(CLOSED)
    }
    if fmt == "md":
        return _template(lang, "closure.md", context)
    html = _template(lang, "closure.html", context)
    return html_to_pdf(html) if fmt == "pdf" else html


def notice_data(notice: Notice, lang: str) -> dict[str, Any]:
    """The notice as JSON-ready data following ``notice.schema.json``, texts in ``lang``."""
    _choose(lang, LANGUAGES, "language")
    regime = regimes.load(notice.legal_regime)
    t = translations(lang).gettext
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "notice",
        "lang": lang,
        "number": notice.number,
        "issued": notice.issued.isoformat(),
        "campaign": notice.campaign,
        "authority": notice.authority,
        "authorization": notice.authorization,
        "legal_regime": notice.legal_regime,
        "legal_basis": [
            {
                "ref": clause.ref,
                "citation": regime.cite(clause.ref, lang),
                "requirement": clause.requirement.get(lang, ""),
            }
            for clause in regime.basis
        ],
        "entity": {
            "id": notice.entity_id,
            "name": notice.entity_name,
            "sector": notice.sector,
            "cii_operator": notice.cii_operator,
            "mlps_level": notice.mlps_level,
            "contacts": [
                {"name": c.name, "role": c.role, "email": c.email, "phone": c.phone}
                for c in notice.contacts
            ],
        },
        "scope": list(notice.scope),
        "modes": list(notice.modes),
        "window": {"start": _iso(notice.window_start), "end": _iso(notice.window_end)},
        "run_id": notice.run_id,
        "status": notice.status,
        "reply_by": notice.reply_by.isoformat() if notice.reply_by else None,
        "counts": notice.counts(),
        "items": [
            {
                "rank": i.rank,
                "issue_id": i.issue_id,
                "level": i.level,
                "score": i.score,
                "severity": i.severity,
                "check_id": i.check_id,
                "title": t(i.title),
                "asset_id": i.asset_id,
                "asset": i.asset,
                "location": i.location,
                "evidence": i.evidence,
                "remediation": t(i.remediation),
                "references": [
                    {"ref": ref, "citation": regime.cite(ref, lang)} for ref in i.references
                ],
                "legal_basis": list(i.legal_basis),
                "deadline": i.deadline.isoformat(),
                "first_seen": i.first_seen.isoformat(),
                "status": i.status,
                "overdue": i.overdue,
            }
            for i in notice.items
        ],
    }


def notice_csv(notice: Notice, lang: str) -> bytes:
    """One row per item, header translated; UTF-8 with a BOM so spreadsheets read it as such."""
    _choose(lang, LANGUAGES, "language")
    regime = regimes.load(notice.legal_regime)
    t = translations(lang).gettext
    yes, no = t(YES), t(NO)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([t(header) for _, header in CSV_COLUMNS])
    for i in notice.items:
        row: dict[str, object] = {
            "notice": notice.number,
            "entity": notice.entity_name,
            "rank": i.rank,
            "level": t(LABELS["level"].get(i.level, i.level)),
            "score": f"{i.score:.1f}",
            "severity": t(LABELS["severity"].get(i.severity, i.severity)),
            "check_id": i.check_id,
            "title": t(i.title),
            "asset_id": i.asset_id,
            "asset": i.asset,
            "location": i.location,
            "evidence": i.evidence,
            "remediation": t(i.remediation),
            "legal_basis": "; ".join(regime.cite(ref, lang) for ref in i.legal_basis),
            "references": "; ".join(regime.cite(ref, lang) for ref in _other_references(i)),
            "deadline": i.deadline.isoformat(),
            "first_seen": i.first_seen.isoformat(),
            "status": t(LABELS["status"].get(i.status, i.status)),
            "overdue": yes if i.overdue else no,
            "issue_id": i.issue_id,
        }
        writer.writerow([csv_cell(row[key]) for key, _ in CSV_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _iso(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _json(data: Mapping[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --- PDF ---------------------------------------------------------------------------------------


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
    """Print HTML to PDF with WeasyPrint; CJK text needs the Noto CJK fonts (fonts-noto-cjk)."""
    import weasyprint  # noqa: PLC0415 (lazy: loading it costs ~1 s, only PDF output needs it)

    text = html.decode("utf-8") if isinstance(html, bytes) else html
    pdf: bytes = weasyprint.HTML(string=text, base_url=None, url_fetcher=_no_fetch()).write_pdf()
    return pdf


# --- summaries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One rectangle of a chart, in SVG user units, with the value it shows."""

    x: float
    y: float
    width: float
    height: float
    level: str
    value: int


@dataclass(frozen=True)
class Column:
    """One run in an entity's history chart: its label and its stacked bars, worst on top."""

    x: float
    width: float
    run_id: int
    label: str
    total: int
    top: float
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Chart:
    """Geometry of a bar chart: plot area, scale ticks and the bars or columns."""

    width: float
    height: float
    left: float
    top: float
    plot_width: float
    plot_height: float
    ticks: tuple[tuple[float, int], ...]
    bars: tuple[Bar, ...] = ()
    columns: tuple[Column, ...] = ()


def _nice_max(value: int) -> int:
    """The smallest of 1, 2, 5 x 10^n at or above ``value`` (at least 1)."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= value:
                return m * step
        step *= 10


def _ticks(top: float, height: float, maximum: int) -> tuple[tuple[float, int], ...]:
    marks = sorted({0, maximum // 2, maximum} if maximum >= 2 else {0, maximum})
    return tuple((top + height - height * v / maximum, v) for v in marks)


def level_chart(counts: Mapping[str, int], width: float = 420, height: float = 200) -> Chart:
    """A vertical bar per risk level."""
    left, top, bottom = 40.0, 12.0, 28.0
    plot_w, plot_h = width - left - 10, height - top - bottom
    maximum = _nice_max(max((counts.get(lvl, 0) for lvl in LEVELS), default=0))
    slot = plot_w / len(LEVELS)
    bars = tuple(
        Bar(
            x=left + slot * k + slot * 0.2,
            y=top + plot_h - plot_h * counts.get(lvl, 0) / maximum,
            width=slot * 0.6,
            height=plot_h * counts.get(lvl, 0) / maximum,
            level=lvl,
            value=counts.get(lvl, 0),
        )
        for k, lvl in enumerate(LEVELS)
    )
    return Chart(width, height, left, top, plot_w, plot_h, _ticks(top, plot_h, maximum), bars=bars)


def history_chart(
    points: Sequence[HistoryPoint], lang: str, width: float = 420, height: float = 150
) -> Chart:
    """Stacked columns of open issues by level, one per run, oldest first (the last 12 runs)."""
    points = points[-12:]
    left, top, bottom = 40.0, 10.0, 30.0
    plot_w, plot_h = width - left - 10, height - top - bottom
    maximum = _nice_max(max((sum(p.counts.values()) for p in points), default=0))
    slot = plot_w / max(len(points), 1)
    columns = []
    for k, point in enumerate(points):
        x = left + slot * k + slot * 0.2
        base = top + plot_h
        bars = []
        for lvl in reversed(LEVELS):  # low at the bottom, high on top
            value = point.counts.get(lvl, 0)
            h = plot_h * value / maximum
            base -= h
            if value:
                bars.append(Bar(x, base, slot * 0.6, h, lvl, value))
        label = (
            f"{point.day.month}/{point.day.day}" if lang == "zh-CN" else point.day.strftime("%d %b")
        )
        total = sum(point.counts.get(lvl, 0) for lvl in LEVELS)
        columns.append(Column(x, slot * 0.6, point.run_id, label, total, base, tuple(bars)))
    return Chart(
        width,
        height,
        left,
        top,
        plot_w,
        plot_h,
        _ticks(top, plot_h, maximum),
        columns=tuple(columns),
    )


def render_summary(summary: Summary, fmt: str, lang: str) -> bytes:
    """The campaign summary in ``fmt`` (one of :data:`SUMMARY_FORMATS`) and ``lang``."""
    _choose(fmt, SUMMARY_FORMATS, "summary format")
    _choose(lang, LANGUAGES, "language")
    if fmt == "json":
        return _json(summary_data(summary, lang))
    context = {
        "summary": summary,
        "names": {e.entity_id: e.name for e in summary.entities},
        "level_chart": level_chart(summary.issues),
        "history": {
            entity: history_chart(points, lang) for entity, points in summary.history.items()
        },
    }
    return _template(lang, f"summary.{fmt}", context)


def summary_data(summary: Summary, lang: str) -> dict[str, Any]:
    """The summary as JSON-ready data following ``summary.schema.json``."""
    _choose(lang, LANGUAGES, "language")

    def line(e: Any) -> dict[str, Any]:
        return {
            "entity_id": e.entity_id,
            "name": e.name,
            "sector": e.sector,
            "cii_operator": e.cii_operator,
            "counts": {lvl: e.counts.get(lvl, 0) for lvl in LEVELS},
            "notice_number": e.notice_number,
            "notice_status": e.notice_status,
            "overdue_high": e.overdue_high,
        }

    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "summary",
        "lang": lang,
        "campaign": summary.campaign,
        "authority": summary.authority,
        "run_id": summary.run_id,
        "generated": _iso(summary.generated),
        "issues": {lvl: summary.issues.get(lvl, 0) for lvl in LEVELS},
        "total": summary.total,
        "notices_served": summary.notices_served,
        "entities": [line(e) for e in summary.entities],
        "sectors": [
            {"sector": s, "entities": n, "issues": issues, "high": high}
            for s, n, issues, high in summary.sectors
        ],
        "worst_assets": [
            {"entity_id": e, "asset_id": a, "high": high, "total": total}
            for e, a, high, total in summary.worst_assets
        ],
        "escalation": [line(e) for e in summary.escalation],
        "history": {
            entity: [
                {
                    "run_id": p.run_id,
                    "day": p.day.isoformat(),
                    "counts": {lvl: p.counts.get(lvl, 0) for lvl in LEVELS},
                }
                for p in points
            ]
            for entity, points in summary.history.items()
        },
    }


#: What the templates are rendered with, for tests that check each template in isolation.
TEMPLATE_NAMES = (
    "notice.html",
    "notice.md",
    "closure.html",
    "closure.md",
    "summary.html",
    "summary.md",
    "diff.html",
)

__all__ = [
    "CLOSED",
    "CLOSURE_FORMATS",
    "DIFF_GROUPS",
    "FORMATS",
    "LANGUAGES",
    "SUMMARY_FORMATS",
    "closure_letter",
    "html_to_pdf",
    "md_escape",
    "notice_csv",
    "notice_data",
    "render_diff",
    "render_notice",
    "render_summary",
    "summary_data",
]


# --- run differences ---------------------------------------------------------------------------

DIFF_GROUPS = (
    ("new", N_("New")),
    ("fixed", N_("Fixed")),
    ("reopened", N_("Reopened")),
    ("still_open", N_("Still open")),
    ("could_not_verify", N_("Could not verify")),
)


def render_diff(diff: Mapping[str, Any], lang: str) -> bytes:
    """What changed between two runs, as a self-contained HTML page. ``diff`` has ``a``, ``b``,
    ``counts`` and one list of item dicts per category of :data:`DIFF_GROUPS`."""
    env = environment(lang)
    catalog = translations(lang)
    groups = [(key, catalog.gettext(label)) for key, label in DIFF_GROUPS]
    return env.get_template("diff.html").render(diff=diff, groups=groups).encode("utf-8")
