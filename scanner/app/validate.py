"""``scanner validate``: an inventory checked without sending a packet, and what it declares."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from scanner.app.compile import checks_dirs, preflight
from scanner.engine.compiled import load_registry
from scanner.inventory.schema import load_inventory


@dataclass(frozen=True)
class Validation:
    """A valid inventory in numbers.

    Attributes:
        campaign: the campaign's name.
        entities: how many entities it declares.
        assets_in_scope: how many assets passed the scope guard.
        profiles: its profile names, sorted.
        checks: how many checks are available to it.
    """

    campaign: str
    entities: int
    assets_in_scope: int
    profiles: tuple[str, ...]
    checks: int


def validate_inventory(
    path: Path, *, profile: str | None = None, extra_dirs: Iterable[Path] = ()
) -> Validation:
    """Preflight the inventory at ``path`` (``profile`` too, when given; every profile's check
    names anyway); a UserError listing every problem."""
    inv = load_inventory(path)
    registry = load_registry(inv, checks_dirs(extra_dirs))
    _, addresses = preflight(inv, registry, profile=profile)
    m = inv.model
    return Validation(
        campaign=m.campaign.name,
        entities=len(m.entities),
        assets_in_scope=len(addresses),
        profiles=tuple(sorted(m.profiles)),
        checks=len(registry.checks),
    )
