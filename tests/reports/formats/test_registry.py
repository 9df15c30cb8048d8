"""reports.formats.REGISTRY: the one list of formats; a format registered there is used."""

from __future__ import annotations

import pytest

from reports import render
from reports.format import Format, SummaryFormat
from reports.formats import REGISTRY
from scanner.core.documents import Notice, Summary
from tests.reports.samples import sample_summary, tiny_notice


class Text(Format):
    """A notice as one line of plain text: the smallest format there is."""

    name = "txt"
    extension = "txt"

    def render_notice(self, notice: Notice, lang: str) -> bytes:
        return f"{notice.number} ({lang}): {len(notice.items)} item(s)\n".encode()


class Count(SummaryFormat):
    """A summary as its total: a format of notices and summaries."""

    name = "count"
    extension = "txt"

    def render_notice(self, notice: Notice, lang: str) -> bytes:
        return str(len(notice.items)).encode()

    def render_summary(self, summary: Summary, lang: str) -> bytes:
        return str(summary.total).encode()


def test_the_registry_names_the_formats_in_their_order() -> None:
    assert render.FORMATS == tuple(REGISTRY) == ("html", "md", "pdf", "json", "csv")
    assert render.SUMMARY_FORMATS == ("html", "md", "json")
    assert render.CLOSURE_FORMATS == ("html", "md", "pdf")
    assert all(name == f.name for name, f in REGISTRY.items())


def test_a_registered_format_is_picked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(REGISTRY, Text.name, Text())
    monkeypatch.setitem(REGISTRY, Count.name, Count())
    notice = tiny_notice()
    assert (
        render.render_notice(notice, "txt", "en") == f"{notice.number} (en): 1 item(s)\n".encode()
    )
    assert (
        render.render_summary(sample_summary(), "count", "zh-CN")
        == str(sample_summary().total).encode()
    )
    with pytest.raises(ValueError, match=r"unknown summary format 'txt'"):
        render.render_summary(sample_summary(), "txt", "en")  # Text renders notices only
    with pytest.raises(ValueError, match=r"unknown closure letter format 'txt'"):
        render.closure_letter(notice, "en", "txt")
