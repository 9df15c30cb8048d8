"""Generated docs must match the code: the check catalogue, the on-site commands list and the
inventory reference, and the MLPS coverage table."""

from __future__ import annotations

from scanner.app.catalogue import (
    catalogue_markdown,
    inventory_markdown,
    onsite_commands_markdown,
    ot_safety_markdown,
)
from scanner.app.mlps import coverage_markdown
from scanner.engine.registry import discover
from tests.conftest import REPO


def test_check_catalogue_is_current() -> None:
    current = (REPO / "docs" / "checks.md").read_text(encoding="utf-8")
    assert current == catalogue_markdown(discover(entry_points=False)), (
        "docs/checks.md is stale: run `make docs`"
    )


def test_inventory_reference_is_current() -> None:
    current = (REPO / "docs" / "inventory.md").read_text(encoding="utf-8")
    assert current == inventory_markdown(), "docs/inventory.md is stale: run `make docs`"


def test_onsite_commands_list_is_current() -> None:
    current = (REPO / "docs" / "onsite-commands.md").read_text(encoding="utf-8")
    expected = onsite_commands_markdown(discover(entry_points=False).sorted())
    assert current == expected, "docs/onsite-commands.md is stale: run `make docs`"


def test_ot_safety_list_is_current() -> None:
    current = (REPO / "docs" / "ot-safety.md").read_text(encoding="utf-8")
    expected = ot_safety_markdown(discover(entry_points=False).sorted())
    assert current == expected, "docs/ot-safety.md is stale: run `make docs`"


def test_mlps_coverage_is_current() -> None:
    current = (REPO / "docs" / "mlps-coverage.md").read_text(encoding="utf-8")
    expected = coverage_markdown(discover(entry_points=False).sorted())
    assert current == expected, "docs/mlps-coverage.md is stale: run `make docs`"
