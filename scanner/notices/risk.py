"""Risk: one documented function from severity, exposure and criticality to a score and level.

The factors live in the inventory (``risk:``), so a campaign can tune them; ``scanner explain``
prints every step of a score. See docs/risk.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.core.lifecycle import RiskLevel
from scanner.inventory.schema import RiskModel


@dataclass(frozen=True)
class Risk:
    """A score (0-10), its level, and how it came about, step by step."""

    score: float
    level: RiskLevel
    steps: tuple[str, ...]


def assess(
    severity: str,
    exposure: str,
    *,
    cii_operator: bool,
    mlps_level: int,
    model: RiskModel,
    cvss: float | None = None,
    known_exploited: bool = False,
) -> Risk:
    """The risk of one issue on one asset of one entity; ``cvss``: the base score a
    vulnerability feed gives it, ``known_exploited``: in CISA's KEV catalogue."""
    base = model.severity_score[severity]
    steps = [f"severity {severity}: {base:g}"]
    if cvss is not None and cvss > base:
        base = cvss
        steps.append(f"CVSS base score {cvss:g} is higher: {base:g}")
    factor = model.exposure_factor[exposure]
    score = base * factor
    steps.append(f"exposure {exposure} x{factor:g}: {score:g}")
    if known_exploited and model.kev_bonus:
        score += model.kev_bonus
        steps.append(f"known exploited (CISA KEV) +{model.kev_bonus:g}: {score:g}")
    if cii_operator and model.cii_bonus:
        score += model.cii_bonus
        steps.append(f"CII operator +{model.cii_bonus:g}: {score:g}")
    bonus = model.mlps_bonus.get(mlps_level, 0.0)
    if bonus:
        score += bonus
        steps.append(f"MLPS level {mlps_level} +{bonus:g}: {score:g}")
    if score > 10:
        score = 10.0
        steps.append("capped at 10")
    score = round(score, 1)
    if score >= model.high_from:
        level, rule = RiskLevel.HIGH, f">= {model.high_from:g}"
    elif score >= model.medium_from:
        level, rule = RiskLevel.MEDIUM, f">= {model.medium_from:g}"
    else:
        level, rule = RiskLevel.LOW, f"< {model.medium_from:g}"
    steps.append(f"score {score:g} {rule}: {level}")
    return Risk(score=score, level=level, steps=tuple(steps))
