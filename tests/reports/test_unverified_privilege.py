"""Notices and the summary say how many on-site checks could not be verified for lack of
privilege (issue 14), in every format and language; nothing is said when there are none (the
golden documents have none)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]  # ships no types
import pytest

from reports import render
from reports.render import render_notice, render_summary
from tests.reports.samples import sample_notice, sample_summary

REPORTS = Path(render.__file__).resolve().parent
TEXTS = {
    "en": ("Not verified for lack of privilege", "3 on-site checks could not read"),
    "zh-CN": ("因权限不足未能核查", "3项现场检查无法以root权限读取"),
}
SUMMARY = {"en": "3 on-site checks could not be verified", "zh-CN": "3项现场检查因权限不足"}


@pytest.mark.parametrize("lang", sorted(TEXTS))
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_notice_counts_what_privilege_kept_unverified(fmt: str, lang: str) -> None:
    notice = dataclasses.replace(sample_notice(), unverified_privilege=3)
    text = render_notice(notice, fmt, lang).decode()
    assert all(t in text for t in TEXTS[lang])
    plain = render_notice(sample_notice(), fmt, lang).decode()
    assert TEXTS[lang][0] not in plain


@pytest.mark.parametrize("lang", sorted(TEXTS))
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_summary_counts_them(fmt: str, lang: str) -> None:
    summary = dataclasses.replace(sample_summary(), unverified_privilege=3)
    assert SUMMARY[lang] in render_summary(summary, fmt, lang).decode()
    assert SUMMARY[lang] not in render_summary(sample_summary(), fmt, lang).decode()


@pytest.mark.parametrize(
    ("schema", "document"),
    [
        (
            "notice.schema.json",
            lambda: render_notice(
                dataclasses.replace(sample_notice(), unverified_privilege=3), "json", "en"
            ),
        ),
        (
            "summary.schema.json",
            lambda: render_summary(
                dataclasses.replace(sample_summary(), unverified_privilege=3), "json", "en"
            ),
        ),
    ],
)
def test_json_carries_the_count_and_validates(schema: str, document: object) -> None:
    data = json.loads(document())  # type: ignore[operator]
    assert data["unverified_privilege"] == 3
    spec = json.loads((REPORTS / schema).read_text(encoding="utf-8"))
    assert not list(jsonschema.Draft202012Validator(spec).iter_errors(data))
