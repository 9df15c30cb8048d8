"""Legal regimes as data: citations per language, patterns, verbatim fallback, notice basis."""

from __future__ import annotations

from datetime import date

import pytest

from scanner.engine.registry import discover
from scanner.notices import regimes


def test_prc_cites_the_cybersecurity_law_and_mlps() -> None:
    prc = regimes.load("prc")
    assert prc.cite("CSL-21", "zh-CN") == "《中华人民共和国网络安全法》第二十一条"
    assert prc.cite("CSL-21", "en") == "PRC Cybersecurity Law, Article 21"
    assert prc.cite("CSL-59", "zh-CN") == "《中华人民共和国网络安全法》第五十九条"
    assert prc.cite("MLPS-8.1.4.2", "en") == "GB/T 22239-2019 (MLPS 2.0) 8.1.4.2"
    assert prc.cite("MLPS-8.1.4.2", "zh-CN").startswith("GB/T 22239-2019《信息安全技术")
    assert prc.cite("PIPL-51", "zh-CN") == "《中华人民共和国个人信息保护法》第五十一条"
    assert prc.cite("DSL-27", "en") == "PRC Data Security Law, Article 27"
    assert prc.cite("CWE-319", "zh-CN") == "CWE-319"
    assert prc.cite("CVE-2014-3566", "en") == "CVE-2014-3566"


def test_notice_basis_covers_logs_plans_identity_and_penalties() -> None:
    prc = regimes.load("prc")
    refs = [clause.ref for clause in prc.basis]
    assert {"CSL-21", "CSL-24", "CSL-25", "CSL-59"} <= set(refs)
    csl21 = next(c for c in prc.basis if c.ref == "CSL-21")
    assert "六个月" in csl21.requirement["zh-CN"]
    assert "six months" in csl21.requirement["en"]
    assert prc.penalty == "CSL-59"
    for clause in prc.basis:
        assert set(clause.requirement) == {"zh-CN", "en"}


def test_unknown_reference_is_cited_verbatim() -> None:
    prc = regimes.load("prc")
    url = "https://www.rfc-editor.org/rfc/rfc8996"
    assert prc.cite(url, "zh-CN") == url
    assert prc.cite("XYZ-1", "en") == "XYZ-1"


def test_generic_cites_only_cwe_and_cve() -> None:
    generic = regimes.load("generic")
    assert generic.cite("CWE-319", "en") == "CWE-319"
    assert generic.cite("CSL-21", "zh-CN") == "CSL-21"
    assert generic.cite("MLPS-8.1.4.2", "en") == "MLPS-8.1.4.2"
    assert generic.legal_basis(("CWE-319", "CSL-21", "MLPS-8.1.4.2")) == ()
    assert generic.penalty is None
    assert all("27001" in generic.cite(c.ref, "en") for c in generic.basis)


def test_legal_basis_keeps_the_legal_ids_in_order() -> None:
    prc = regimes.load("prc")
    refs = ("CWE-287", "MLPS-8.1.4.1", "CSL-21", "https://example.org/x", "PIPL-7")
    assert prc.legal_basis(refs) == ("MLPS-8.1.4.1", "CSL-21", "PIPL-7")


def test_unknown_regime_names_the_choices() -> None:
    with pytest.raises(ValueError, match="choose one of generic, prc"):
        regimes.load("eu")


@pytest.mark.parametrize(
    ("n", "zh"),
    [
        (1, "一"),
        (10, "十"),
        (12, "十二"),
        (21, "二十一"),
        (59, "五十九"),
        (100, "一百"),
        (105, "一百零五"),
        (110, "一百一十"),
        (1001, "一千零一"),
        (2019, "二千零一十九"),
    ],
)
def test_zh_number(n: int, zh: str) -> None:
    assert regimes.zh_number(n) == zh


def test_cybersecurity_law_versions_name_their_dates() -> None:
    [v2016, v2025] = regimes.load("prc").laws["CSL"]
    assert (v2016.version, v2016.adopted, v2016.effective) == (
        "2016",
        date(2016, 11, 7),
        date(2017, 6, 1),
    )
    assert (v2025.version, v2025.adopted, v2025.effective) == (
        "2025",
        date(2025, 10, 28),
        date(2026, 1, 1),
    )
    assert v2025.articles is not None and v2025.confirmed <= set(v2025.articles)
    # the decision's own numbers: old 21 and 25 are cited as 23 and 27 by the new Article 61
    assert {n: v2025.articles[n] for n in (21, 25, 40, 59)} == {21: 23, 25: 27, 40: 42, 59: 61}


def test_notices_cite_the_text_in_force_on_their_date() -> None:
    prc = regimes.load("prc")
    before, after = date(2025, 12, 31), date(2026, 1, 1)
    assert prc.cite("CSL-21", "zh-CN", before) == "《中华人民共和国网络安全法》第二十一条"
    assert (
        prc.cite("CSL-21", "zh-CN", after) == "《中华人民共和国网络安全法》（2025年修正）第二十三条"  # noqa: RUF001 (the Chinese parentheses)
    )
    assert prc.cite("CSL-59", "en", after) == "PRC Cybersecurity Law (as amended 2025), Article 61"
    assert prc.cite("DSL-27", "en", after) == "PRC Data Security Law, Article 27"  # one version
    penalty = {c.ref: c for c in prc.basis_on(after)}["CSL-59"]
    assert "第二十三条、第二十七条" in penalty.requirement["zh-CN"]
    assert (
        "第二十一条、第二十五条"
        in {c.ref: c for c in prc.basis_on(before)}["CSL-59"].requirement["zh-CN"]
    )


def test_every_cited_article_has_its_number_in_every_version() -> None:
    """The check of the article numbers: every law article a check, a checklist question or the
    notice basis cites must be numbered by each version of its law, so that a notice of any date
    cites the text in force then (building a notice refuses otherwise)."""
    registry = discover(entry_points=False)
    for name in regimes.names():
        regime = regimes.load(name)
        cited = [r for c in registry.sorted() for r in c.meta.references]
        cited += [c.ref for c in regime.basis] + ([regime.penalty] if regime.penalty else [])
        for versions in regime.laws.values():
            for version in versions:
                assert regime.problems(cited, version.effective) == [], (name, version.version)


def test_an_unmapped_article_is_a_problem() -> None:
    prc = regimes.load("prc")
    assert prc.problems(["CSL-60", "CSL-21", "CWE-1"], date(2026, 3, 1)) == [
        "CSL-60: the CSL 2025 text (in force from 2026-01-01) has no known number for this "
        "article; add it to the prc regime's laws"
    ]
    assert prc.problems(["CSL-60"], date(2025, 3, 1)) == []  # the 2016 text numbers it
    assert prc.problems(["CSL-21"], date(2017, 1, 1)) == [
        "CSL-21: no version of CSL was in force on 2017-01-01"
    ]
