"""Rendering of notices, closure letters and summaries: golden files, safety, PDF text and image.

Golden files live in tests/reports/golden/. After an intended change to a template, catalog or
regime, regenerate them and review the diff:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/reports

PDFs are compared by their extracted text (pdftotext), never by bytes. The PNG of page 1 of the
zh-CN notice is written to tests/reports/out/ (ignored by git) for a person to look at.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # ships no types; types-jsonschema is not installed
import pytest
from jinja2 import StrictUndefined, UndefinedError
from PIL import Image  # installed with WeasyPrint

from reports import render, templating
from reports.context import notice_context
from reports.render import (
    CLOSURE_FORMATS,
    FORMATS,
    LANGUAGES,
    SUMMARY_FORMATS,
    closure_letter,
    md_escape,
    render_notice,
    render_summary,
)
from tests.reports.samples import (
    HOSTILE_EVIDENCE,
    ISSUED,
    closed_notice,
    hostile_notice,
    sample_notice,
    sample_summary,
    supplementary_notice,
)

HERE = Path(__file__).resolve().parent
REPORTS = Path(render.__file__).resolve().parent
GOLDEN = HERE / "golden"
OUT = HERE / "out"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

# The zh-CN texts a reader must find in the PDF: the title and every item's title.
ZH_TITLE = "网络安全隐患整改通知书"
ZH_ITEM_TITLES = (
    "Redis 无需认证即可执行命令",
    "开放 Telnet 服务（明文远程登录）",  # noqa: RUF001 (Chinese parentheses)
    "TLS 服务支持 SSL 2.0/3.0 或 TLS 1.0/1.1",
    "FTP 未启用 AUTH TLS（明文登录和传输）",  # noqa: RUF001 (Chinese parentheses)
    "响应头泄露 Web 服务器或框架版本",
)

# Skipped on a developer machine without poppler-utils; under CI a missing tool fails instead.
needs_poppler = pytest.mark.skipif(
    not os.environ.get("CI")
    and any(shutil.which(tool) is None for tool in ("pdftotext", "pdftoppm", "pdffonts")),
    reason="poppler-utils (pdftotext, pdftoppm) is not installed: run scripts/setup-debian.sh",
)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The text of a PDF as pdftotext reads it (reading order, no layout)."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


def check_golden(name: str, actual: bytes) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual)
        if not UPDATE:
            pytest.fail(f"golden file {name} did not exist; written now: review and commit it")
        return
    expected = path.read_bytes()
    assert actual == expected, (
        f"{name} differs from its golden file; if the change is intended, run "
        "UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/reports and review the diff"
    )


@pytest.fixture(scope="module")
def pdfs() -> dict[str, bytes]:
    """The sample notice as PDF in each language (rendered once: WeasyPrint takes a while)."""
    return {lang: render_notice(sample_notice(), "pdf", lang) for lang in LANGUAGES}


# --- golden files ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "pdf"])
def test_notice_golden(fmt: str, lang: str) -> None:
    check_golden(f"notice.{lang}.{fmt}", render_notice(sample_notice(), fmt, lang))


@needs_poppler
@pytest.mark.parametrize("lang", LANGUAGES)
def test_notice_pdf_golden_text(lang: str, pdfs: dict[str, bytes], tmp_path: Path) -> None:
    assert pdfs[lang].startswith(b"%PDF-")
    check_golden(f"notice.{lang}.pdf.txt", pdf_text(pdfs[lang], tmp_path).encode("utf-8"))


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("fmt", SUMMARY_FORMATS)
def test_summary_golden(fmt: str, lang: str) -> None:
    check_golden(f"summary.{lang}.{fmt}", render_summary(sample_summary(), fmt, lang))


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("fmt", [f for f in CLOSURE_FORMATS if f != "pdf"])
def test_closure_golden(fmt: str, lang: str) -> None:
    check_golden(f"closure.{lang}.{fmt}", closure_letter(closed_notice(), lang, fmt, day=ISSUED))


# --- JSON schema -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    ("schema", "document"),
    [
        ("notice.schema.json", lambda lang: render_notice(sample_notice(), "json", lang)),
        ("notice.schema.json", lambda lang: render_notice(hostile_notice(), "json", lang)),
        ("summary.schema.json", lambda lang: render_summary(sample_summary(), "json", lang)),
        ("notice.schema.json", lambda lang: render_notice(supplementary_notice(), "json", lang)),
    ],
)
def test_json_validates_against_its_schema(schema: str, document: Any, lang: str) -> None:
    validator_class = jsonschema.Draft202012Validator
    spec = json.loads((REPORTS / schema).read_text(encoding="utf-8"))
    validator_class.check_schema(spec)
    errors = [e.message for e in validator_class(spec).iter_errors(json.loads(document(lang)))]
    assert not errors


def test_schema_rejects_a_wrong_document() -> None:
    spec = json.loads((REPORTS / "notice.schema.json").read_text(encoding="utf-8"))
    data = json.loads(render_notice(sample_notice(), "json", "en"))
    data["items"][0]["level"] = "severe"
    del data["number"]
    assert len(list(jsonschema.Draft202012Validator(spec).iter_errors(data))) == 2


# --- choices and strictness --------------------------------------------------------------------


def test_unknown_format_and_language_name_the_choices() -> None:
    with pytest.raises(ValueError, match=r"unknown format 'docx': choose one of html, md, pdf"):
        render_notice(sample_notice(), "docx", "en")
    with pytest.raises(ValueError, match=r"unknown language 'fr': choose one of zh-CN, en"):
        render_notice(sample_notice(), "html", "fr")
    with pytest.raises(ValueError, match=r"choose one of html, md, json"):
        render_summary(sample_summary(), "csv", "en")
    with pytest.raises(ValueError, match=r"choose one of zh-CN, en"):
        closure_letter(closed_notice(), "de")
    with pytest.raises(
        ValueError, match=r"unknown legal regime 'mars': choose one of generic, prc"
    ):
        render_notice(dataclasses.replace(sample_notice(), legal_regime="mars"), "html", "en")


def test_every_template_is_rendered_by_these_tests() -> None:
    on_disk = {p.name for p in templating.TEMPLATES.iterdir() if p.suffix in {".html", ".md"}}
    assert on_disk == set(templating.TEMPLATE_NAMES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_environment_is_strict_and_escapes_html_only(lang: str) -> None:
    env = templating.environment(lang)
    assert env.undefined is StrictUndefined
    assert env.is_async is False
    html = env.get_template("notice.html")
    md = env.get_template("notice.md")
    assert html.environment.autoescape("notice.html") is True  # type: ignore[operator]
    assert md.environment.autoescape("notice.md") is False  # type: ignore[operator]


@pytest.mark.parametrize("name", templating.TEMPLATE_NAMES)
def test_a_missing_field_is_an_error_not_an_empty_cell(name: str) -> None:
    template = templating.environment("en").get_template(name)
    with pytest.raises(UndefinedError):
        template.render({})


def test_a_missing_attribute_is_an_error() -> None:
    class Partial:
        number = "X-1"

    template = templating.environment("zh-CN").get_template("notice.html")
    context = notice_context(sample_notice(), "zh-CN")
    context["notice"] = Partial()
    with pytest.raises(UndefinedError, match=r"issued|authority|entity_name"):
        template.render(context)


# --- hostile text ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_hostile_evidence_is_inert_in_html(lang: str) -> None:
    html = render_notice(hostile_notice(), "html", lang).decode("utf-8")
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "<b>x</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "\x1b" not in html and "\x07" not in html
    assert "\\x1b[2J" in html  # the escape is shown, not executed


@pytest.mark.parametrize("lang", LANGUAGES)
def test_hostile_evidence_is_inert_in_markdown(lang: str) -> None:
    md = render_notice(hostile_notice(), "md", lang).decode("utf-8")
    assert "<script" not in md.lower() and "<img" not in md.lower() and "<b>" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "\\| # \\`code\\` \\*\\*bold\\*\\* \\[link\\](javascript:alert(1))" in md
    assert "\x1b" not in md
    # the target's text never starts a line (heading, list, formula), and a table row that
    # holds it keeps its columns: the reply form has 4 columns, so 5 unescaped pipes
    for line in md.splitlines():
        assert not line.startswith(("# heading", "=HYPERLINK", "<"))
    rows = [line for line in md.splitlines() if line.startswith("| 1 |")]
    assert rows and all(len(re.findall(r"(?<!\\)\|", row)) == 5 for row in rows)


def test_md_escape() -> None:
    assert md_escape("a|b") == "a\\|b"
    assert md_escape("`x`") == "\\`x\\`"
    assert md_escape("# title") == "\\# title"
    assert md_escape("1. item") == "1\\. item"
    assert md_escape("- item") == "\\- item"
    assert md_escape("<b>&</b>") == "&lt;b&gt;&amp;&lt;/b&gt;"
    assert md_escape("a\nb") == "a<br>b"
    assert md_escape("a\\b") == "a\\\\b"
    assert md_escape("\x1b[2J") == "\\\\x1b\\[2J"
    assert md_escape("127.0.0.1:80 (http)") == "127\\.0.0.1:80 (http)"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_hostile_evidence_in_csv_and_json(lang: str) -> None:
    notice = hostile_notice()
    first = dataclasses.replace(notice.items[0], evidence='=HYPERLINK("http://evil.example")')
    notice = dataclasses.replace(notice, items=(first, *notice.items[1:]))
    text = render_notice(notice, "csv", lang).decode("utf-8")
    assert "\x1b" not in text
    assert ',"\'=HYPERLINK(""http://evil.example"")",' in text
    data = json.loads(render_notice(notice, "json", lang))
    assert data["items"][1]["evidence"] == HOSTILE_EVIDENCE  # JSON carries it exactly, escaped


@needs_poppler
def test_hostile_evidence_is_literal_text_in_pdf(tmp_path: Path) -> None:
    pdf = render_notice(hostile_notice(), "pdf", "en")
    for marker in (b"/JavaScript", b"/JS ", b"/Launch", b"/URI"):
        assert marker not in pdf
    text = pdf_text(pdf, tmp_path)
    assert "<script>alert(1)</script>" in text
    assert '"><img src=x onerror=alert(1)>' in text
    assert "\\x1b[2J" in text and "\x1b" not in text


# --- PDF: text and picture ---------------------------------------------------------------------


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@needs_poppler
def test_zh_pdf_text_has_title_and_item_titles(pdfs: dict[str, bytes], tmp_path: Path) -> None:
    text = _squeeze(pdf_text(pdfs["zh-CN"], tmp_path))
    assert ZH_TITLE in text
    for title in ZH_ITEM_TITLES:
        assert _squeeze(title) in text
    assert "《中华人民共和国网络安全法》第二十一条" in text
    assert "\ufffd" not in text  # no replacement characters: every glyph came out


@needs_poppler
def test_zh_pdf_embeds_the_cjk_fonts(pdfs: dict[str, bytes], tmp_path: Path) -> None:
    """Without fonts-noto-cjk the text would still extract, but print as empty boxes."""
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdfs["zh-CN"])
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    assert "Noto-Serif-CJK-SC" in fonts.stdout, fonts.stdout
    assert "Noto-Sans-CJK-SC" in fonts.stdout, fonts.stdout
    for line in fonts.stdout.splitlines()[2:]:
        assert " yes yes yes " in line, f"font not embedded and subset with a ToUnicode map: {line}"


@needs_poppler
def test_zh_pdf_first_page_as_png(pdfs: dict[str, bytes], tmp_path: Path) -> None:
    """Page 1 of the zh-CN notice at 60 dpi, kept in tests/reports/out/notice-zh-CN.png for a
    person to look at (see reports/README.md)."""
    OUT.mkdir(exist_ok=True)
    source = tmp_path / "notice.pdf"
    source.write_bytes(pdfs["zh-CN"])
    prefix = OUT / "notice-zh-CN"
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(prefix),
        ],
        check=True,
    )
    png = prefix.with_suffix(".png")
    assert png.exists()
    with Image.open(png) as image:
        assert abs(image.size[0] - 496) <= 2 and abs(image.size[1] - 702) <= 2  # A4, 60 dpi
        data = image.convert("RGB").tobytes()
    pixels = list(zip(data[0::3], data[1::3], data[2::3], strict=True))
    dark = sum(1 for r, g, b in pixels if r + g + b < 300)
    red = sum(1 for r, g, b in pixels if r > 150 and g < 90 and b < 90)
    assert dark > 0.01 * len(pixels), "page 1 is (nearly) blank"
    assert red > 100, "the red masthead is missing"


# --- closure letter ----------------------------------------------------------------------------


def test_closure_letter_refuses_a_notice_with_open_items() -> None:
    with pytest.raises(ValueError, match=r"5 item\(s\) not rectified or accepted: #1 net.redis"):
        closure_letter(sample_notice(), "en")


@needs_poppler
def test_closure_letter_pdf(tmp_path: Path) -> None:
    text = _squeeze(pdf_text(closure_letter(closed_notice(), "zh-CN", "pdf", day=ISSUED), tmp_path))
    assert "网络安全隐患整改确认书" in text
    assert "DEMO-AUTH-2026-017-0001" in text


# --- summary -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_summary_html_charts_are_inline_svg(lang: str) -> None:
    html = render_summary(sample_summary(), "html", lang).decode("utf-8")
    assert html.count("<svg") == 2 + len(sample_summary().history)  # levels, rounds, history
    assert "<script" not in html.lower()
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    assert "City News Portal &lt;b&gt;&amp;&lt;/b&gt;" in html


SEED_SENTENCE = {
    "en": (
        "The campaign rectified 1,211 security issues (of which 643 high risk), shut down 1 "
        "website or service, served 4 rectification notices and penalised 2 entities."
    ),
    "zh-CN": (
        "本次检查共整改安全隐患1,211个（其中高风险643个），关停网站或服务1个，"  # noqa: RUF001
        "下发整改通知书4份，处罚单位2家。"  # noqa: RUF001
    ),
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("fmt", ["html", "md"])
def test_summary_opens_with_what_the_campaign_rectified(fmt: str, lang: str) -> None:
    text = render_summary(sample_summary(), fmt, lang).decode("utf-8")
    body = re.sub(r"\s+", " ", text.split("<body", 1)[-1])
    first = re.search(r'<p class="indent lead">(.*?)</p>', body) if fmt == "html" else None
    paragraph = first.group(1).strip() if first else body
    assert SEED_SENTENCE[lang] in paragraph
    if fmt == "html":
        assert paragraph == SEED_SENTENCE[lang]  # the first paragraph is that sentence


@pytest.mark.parametrize("lang", LANGUAGES)
def test_supplementary_notice_cites_the_earlier_one_and_lists_actions(lang: str) -> None:
    notice = supplementary_notice()
    for fmt in ("html", "md"):
        text = render_notice(notice, fmt, lang).decode("utf-8")
        assert "DEMO-AUTH-2026-017-0001" in text and "DCPSB-PEN-2026-112" in text
        assert "50,000" in text and "<b>late" not in text
    data = json.loads(render_notice(notice, "json", lang))
    assert (data["round"], data["supplements"]) == (2, "DEMO-AUTH-2026-017-0001")
    assert [a["kind"] for a in data["actions"]] == ["interview", "fine"]
    cited = "补充通知" if lang == "zh-CN" else "Supplementary to notice No."
    assert cited in render_notice(notice, "html", lang).decode("utf-8")


def test_html_is_self_contained() -> None:
    for lang in LANGUAGES:
        html = render_notice(sample_notice(), "html", lang).decode("utf-8")
        assert not re.search(r"<(link|script|img|iframe|object)\b", html)
        assert "@import" not in html and "url(" not in html
        assert '"Noto Sans CJK SC"' in html and '"Noto Serif CJK SC"' in html
        assert "@page" in html and "A4" in html


# --- edge cases --------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_empty_documents_render(lang: str) -> None:
    empty = dataclasses.replace(sample_notice(), items=(), contacts=(), scope=(), reply_by=None)
    for fmt in FORMATS:
        if fmt != "pdf":
            assert render_notice(empty, fmt, lang)
    assert closure_letter(empty, lang, "md", day=ISSUED)
    summary = dataclasses.replace(
        sample_summary(),
        issues={"high": 0, "medium": 0, "low": 0},
        entities=(),
        sectors=(),
        worst_assets=(),
        escalation=(),
        history={},
    )
    for fmt in SUMMARY_FORMATS:
        assert render_summary(summary, fmt, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_generic_regime_cites_no_national_law(lang: str) -> None:
    notice = dataclasses.replace(sample_notice(), legal_regime="generic")
    html = render_notice(notice, "html", lang).decode("utf-8")
    assert "27001" in html
    assert "Cybersecurity Law" not in html and "网络安全法" not in html
    assert "MLPS-8.1.4.1" in html  # an id the regime does not know is shown verbatim


def test_run_diff_page_is_inert() -> None:
    hostile = {
        "severity": "high",
        "check_id": "web.x",
        "entity_id": "e",
        "asset_id": "a",
        "location": "<script>alert(1)</script>",
        "evidence": '"><img src=x onerror=1>',
    }
    data = {
        "a": 1,
        "b": 2,
        "counts": {
            "new": 1,
            "fixed": 0,
            "reopened": 0,
            "still_open": 0,
            "could_not_verify": 0,
            "not_checked_in_a": 0,
            "not_checked_in_b": 1,
        },
        "new": [hostile],
        "fixed": [],
        "reopened": [],
        "still_open": [],
        "could_not_verify": [],
        "not_checked_in_a": [],
        "not_checked_in_b": [hostile],
    }
    html = render.render_diff(data, "en").decode("utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html and "<img" not in html
    assert "Not checked in run 2" in html
    assert "第2次检查未检查" in render.render_diff(data, "zh-CN").decode("utf-8")
