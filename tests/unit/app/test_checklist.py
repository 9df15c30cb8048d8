"""Blank checklist answers files, without the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.app.checklist import checklist_template, write_template
from scanner.core.errors import UserError
from tests.helpers import write
from tests.unit.inventory.test_schema import MINIMAL


def test_template_of_an_entity(tmp_path: Path) -> None:
    blank = checklist_template(write(tmp_path / "inv.yaml", MINIMAL), "ent")
    assert blank.entity_id == "ent" and blank.questions > 0 and "ent" in blank.text
    out = tmp_path / "answers.yaml"
    write_template(blank, out, force=False)
    assert out.read_text(encoding="utf-8") == blank.text
    with pytest.raises(UserError, match="exists"):
        write_template(blank, out, force=False)
    write_template(blank, out, force=True)


def test_unknown_entity(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="there is no entity 'nope'"):
        checklist_template(write(tmp_path / "inv.yaml", MINIMAL), "nope")
