"""reports.formats.json: the documents as data, texts in the chosen language."""

from __future__ import annotations

import json

from reports.formats.json import SCHEMA_VERSION, Json
from tests.reports.samples import TINY_TITLE, sample_summary, tiny_notice


def test_notice_is_data_with_the_notices_own_translations() -> None:
    data = json.loads(Json().render_notice(tiny_notice(), "zh-CN"))
    assert (data["schema_version"], data["kind"], data["lang"]) == (
        SCHEMA_VERSION,
        "notice",
        "zh-CN",
    )
    (item,) = data["items"]
    assert item["title"] == "示例问题 <b>不是标记</b>"  # carried exactly: JSON escapes nothing
    assert item["remediation"] == "修复示例问题。"
    assert item["evidence"] == '=cmd|" /C calc"!A0'
    assert json.loads(Json().render_notice(tiny_notice(), "en"))["items"][0]["title"] == TINY_TITLE


def test_summary_has_every_level() -> None:
    data = json.loads(Json().render_summary(sample_summary(), "en"))
    assert data["kind"] == "summary"
    assert list(data["issues"]) == ["high", "medium", "low"]


def test_output_is_utf8_not_ascii_escapes() -> None:
    raw = Json().render_notice(tiny_notice(), "zh-CN")
    assert "示例问题".encode() in raw and raw.endswith(b"\n")


def test_name_and_extension() -> None:
    assert (Json.name, Json.extension) == ("json", "json")
