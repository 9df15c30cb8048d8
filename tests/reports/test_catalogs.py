"""Every message the notices show has a zh-CN translation, and the catalogs match the code.

Checks are added all the time; each one's title and remediation text must be translated before
it can appear on a Chinese notice. When this fails:

    .venv/bin/python -m scripts.extract_messages   # updates locale/*.pot and the .po files

then translate the new (empty) and fuzzy entries in reports/locale/zh_CN/LC_MESSAGES/*.po.
"""

from __future__ import annotations

import re
from typing import cast

import pytest

from reports import catalogs
from scanner.engine.checklist import question_translations
from scanner.engine.registry import discover
from scripts import extract_messages as extract

FIX = "run `.venv/bin/python -m scripts.extract_messages`, then translate the entries in {path}"


@pytest.mark.parametrize("domain", extract.DOMAINS)
def test_every_message_has_a_zh_cn_translation(domain: str) -> None:
    missing = extract.untranslated("zh_CN", domain)
    path = extract.po_path("zh_CN", domain).relative_to(extract.ROOT)
    assert not missing, (
        f"{len(missing)} message(s) without a zh-CN translation (missing, empty or fuzzy): "
        + "; ".join(repr(m[:70]) for m in missing[:8])
        + ". Fix: "
        + FIX.format(path=path)
    )


def test_every_check_title_and_remediation_is_translated() -> None:
    registry = discover(entry_points=False)
    # The questions' texts come with the notices (their YAML), the others from the catalogs.
    own = question_translations(check.cls for check in registry.sorted())
    zh = catalogs.translator("zh-CN", own["zh-CN"])
    for check in registry.sorted():
        for text in (check.meta.title, check.meta.remediation):
            assert zh(text) != text, (
                f"{check.id}: no zh-CN translation for {text[:70]!r}. Fix: "
                + FIX.format(path="reports/locale/zh_CN/LC_MESSAGES/checks.po")
            )


def test_catalogs_are_up_to_date() -> None:
    stale = [p.relative_to(extract.ROOT).as_posix() for p in extract.stale()]
    assert not stale, (
        f"out of date: {', '.join(stale)}. Fix: run `.venv/bin/python -m scripts.extract_messages`"
    )


def test_translations_keep_their_placeholders() -> None:
    placeholder = re.compile(r"%\([a-z_]+\)s")
    for domain in extract.DOMAINS:
        catalog = extract.read_catalog(extract.po_path("zh_CN", domain), "zh_CN")
        for message in catalog:
            if not message.id:
                continue
            # Babel types id and string loosely (str, list or tuple); a .po file gives a str, or
            # a tuple for plural forms.
            ids = cast(
                tuple[str, ...], message.id if isinstance(message.id, tuple) else (message.id,)
            )
            strings = cast(
                tuple[str, ...],
                message.string if isinstance(message.string, tuple) else (message.string,),
            )
            expected = set(placeholder.findall(ids[0]))
            for string in strings:
                assert set(placeholder.findall(string)) == expected, (domain, ids[0])


def test_no_compiled_catalog_is_kept() -> None:
    assert not list(catalogs.LOCALE.rglob("*.mo")), "catalogs are compiled in memory; remove .mo"


def test_english_needs_no_catalog() -> None:
    en = catalogs.translations("en")
    assert en.gettext("Network Security Rectification Notice") == (
        "Network Security Rectification Notice"
    )
    assert catalogs.translations("zh-CN").gettext("Network Security Rectification Notice") == (
        "网络安全隐患整改通知书"
    )


def test_a_documents_own_translations_come_after_the_catalogs() -> None:
    title = "Network Security Rectification Notice"
    translate = catalogs.translator("zh-CN", {title: "not used", "Only here": "仅在此处"})
    assert translate(title) == "网络安全隐患整改通知书"  # the catalog wins
    assert translate("Only here") == "仅在此处"
    assert translate("Nowhere") == "Nowhere"
    assert catalogs.translator("en", {})("Only here") == "Only here"
