"""Blank answers files for the management checklist (``scanner checklist template``).

A template lists every loaded question as comments in zh-CN and English, every answer empty, for
one entity; the inspector fills it in on site and the inventory references it
(``entities[].checklist``); docs/checklist.md describes the format.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scanner.core.errors import UserError
from scanner.engine.answers import template
from scanner.engine.checklist import ChecklistQuestion, Question
from scanner.engine.compiled import load_registry
from scanner.inventory.schema import load_inventory


@dataclass(frozen=True)
class Template:
    """A blank answers file.

    Attributes:
        entity_id: the entity it is for.
        text: the file's text.
        questions: how many questions it asks.
    """

    entity_id: str
    text: str
    questions: int


def checklist_template(inventory: Path, entity: str) -> Template:
    """The blank answers file of ``entity`` of the inventory at ``inventory``; a UserError when
    there is no such entity or a check failed to load (its questions would be missing)."""
    inv = load_inventory(inventory)
    ids = [e.id for e in inv.model.entities]
    if entity not in ids:
        raise UserError(
            f"{inventory}: there is no entity {entity!r} (entities: {', '.join(ids)}). "
            "Fix: pass one of those."
        )
    registry = load_registry(inv)
    if registry.problems:
        # A question file that failed to load would be missing from the template unnoticed.
        raise UserError(
            "\n".join(
                [
                    "checks failed to load, so the template could miss questions:",
                    *(f"  {p}" for p in registry.problems),
                ]
            )
        )
    questions: list[Question] = [
        c.cls.question
        for c in registry.sorted()
        if isinstance(c.cls, type) and issubclass(c.cls, ChecklistQuestion)
    ]
    text = template(inv.model.entities[ids.index(entity)], questions)
    return Template(entity, text, len(questions))


def write_template(blank: Template, output: Path, *, force: bool) -> None:
    """Write ``blank`` to ``output``, never over an existing file unless ``force``."""
    if output.exists() and not force:
        raise UserError(
            f"{output} exists; it may hold answers already recorded. Fix: choose another file, "
            "or pass --force to overwrite it."
        )
    try:
        output.write_text(blank.text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{output}: cannot write the answers file ({exc}).") from None
