"""Legal regimes as data: citations per language, patterns, verbatim fallback, notice basis."""

from __future__ import annotations

import pytest

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
