"""validate_inventory: what ``scanner validate`` reports, without the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.app.validate import validate_inventory
from scanner.core.errors import UserError
from tests.helpers import write
from tests.unit.inventory.test_schema import MINIMAL


def test_valid_inventory_in_numbers(tmp_path: Path) -> None:
    v = validate_inventory(write(tmp_path / "inv.yaml", MINIMAL), profile="remote")
    assert (v.campaign, v.entities, v.assets_in_scope, v.profiles) == ("test", 1, 1, ("remote",))
    assert v.checks > 10


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such inventory file"):
        validate_inventory(tmp_path / "none.yaml")
