"""What the notice and summary templates are rendered with, computed once from the document."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from reports.catalogs import translator
from reports.charts import ROUND_COLORS, history_chart, level_chart, rounds_chart
from scanner.core.documents import Notice, NoticeItem, Summary
from scanner.core.lifecycle import LEVELS
from scanner.notices import regimes


@functools.lru_cache(maxsize=8192)  # the same few dozen references recur on every notice
def cite(regime: str, ref: str, lang: str) -> str:
    """How ``regime`` cites reference ``ref`` in ``lang``."""
    return regimes.load(regime).cite(ref, lang)


def other_references(item: NoticeItem) -> tuple[str, ...]:
    """The item's references that are not its legal basis."""
    return tuple(ref for ref in item.references if ref not in item.legal_basis)


def notice_translator(notice: Notice, lang: str) -> Callable[[str], str]:
    """Translate the notice's texts into ``lang``: catalogs, then the notice's own translations."""
    return translator(lang, notice.translations.get(lang))


def notice_context(notice: Notice, lang: str) -> dict[str, Any]:
    """The context of the notice templates (and, extended, of the closure letter's)."""
    regime = regimes.load(notice.legal_regime)
    separator = "；" if lang == "zh-CN" else "; "  # noqa: RUF001 (the Chinese semicolon)

    def cite_ref(ref: str) -> str:
        return cite(notice.legal_regime, ref, lang)

    def cites(refs: Iterable[str]) -> str:
        return separator.join(cite_ref(ref) for ref in refs)

    def latest(level: str) -> date | None:
        return max((i.deadline for i in notice.items if i.level == level), default=None)

    return {
        "notice": notice,
        "regime": regime,
        "cite": cite_ref,
        "cites": cites,
        "translate": notice_translator(notice, lang),
        "counts": notice.counts(),
        "overdue": {lvl: sum(i.overdue for i in notice.items if i.level == lvl) for lvl in LEVELS},
        "latest": {lvl: latest(lvl) for lvl in LEVELS},
        "other_references": other_references,
    }


def summary_context(summary: Summary, lang: str) -> dict[str, Any]:
    """The context of the summary templates, with the geometry of their charts."""
    return {
        "summary": summary,
        "names": {e.entity_id: e.name for e in summary.entities},
        "level_chart": level_chart(summary.issues),
        "rounds_chart": rounds_chart(summary.rounds, lang),
        "ROUND_COLORS": ROUND_COLORS,
        "history": {
            entity: history_chart(points, lang) for entity, points in summary.history.items()
        },
    }
