"""The risk model: one function, its factors from the inventory, every step explained."""

from __future__ import annotations

import pytest

from scanner.inventory.schema import RiskModel
from scanner.notices.risk import assess


@pytest.mark.parametrize(
    ("severity", "exposure", "cii", "mlps", "score", "level"),
    [
        ("critical", "internet", True, 3, 10.0, "high"),  # 9 + 0.5 + 0.5
        ("high", "ot", True, 3, 7.3, "high"),  # 7 x 0.9 + 1
        ("medium", "internet", True, 3, 6.0, "medium"),
        ("medium", "internal", False, 2, 3.5, "low"),  # 5 x 0.7
        ("low", "internet", True, 4, 4.5, "medium"),  # 3 + 0.5 + 1: criticality raises it
        ("low", "internal", False, 1, 2.1, "low"),
    ],
)
def test_scores_and_levels(
    severity: str, exposure: str, cii: bool, mlps: int, score: float, level: str
) -> None:
    risk = assess(
        severity, exposure, cii_operator=cii, mlps_level=mlps, model=RiskModel.model_validate({})
    )
    assert (risk.score, risk.level) == (score, level)
    assert risk.steps[0].startswith(f"severity {severity}") and risk.steps[-1].endswith(level)


def test_cvss_raises_the_base_and_campaign_tunes_the_factors() -> None:
    model = RiskModel.model_validate({"cii_bonus": 0, "high_from": 6, "medium_from": 3})
    risk = assess("medium", "internet", cii_operator=True, mlps_level=1, model=model, cvss=8.1)
    assert (risk.score, risk.level) == (8.1, "high")
    assert "CVSS base score 8.1 is higher: 8.1" in risk.steps


def test_known_exploited_ranks_higher() -> None:
    model = RiskModel.model_validate({})
    plain = assess("medium", "internal", cii_operator=False, mlps_level=1, model=model)
    kev = assess(
        "medium", "internal", cii_operator=False, mlps_level=1, model=model, known_exploited=True
    )
    assert (plain.score, plain.level, kev.score, kev.level) == (3.5, "low", 5.5, "medium")
    assert "known exploited (CISA KEV) +2: 5.5" in kev.steps


def test_incomplete_factor_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="exposure_factor needs exactly the keys"):
        RiskModel.model_validate({"exposure_factor": {"internet": 1.0}})
