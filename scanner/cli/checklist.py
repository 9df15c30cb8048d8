"""The ``scanner checklist`` commands: blank answers files for the management checklist.

``scanner checklist template ENTITY --inventory F [-o FILE]`` writes a blank answers file for one
entity: every loaded question as comments in zh-CN and English, every answer empty. The inspector
fills it in on site and the inventory references it (``entities[].checklist``); docs/checklist.md
describes the format.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from scanner.app.runs import load_registry
from scanner.cli.util import err, out, user_errors
from scanner.core.errors import UserError
from scanner.engine.answers import template
from scanner.engine.checklist import ChecklistQuestion, Question
from scanner.inventory.schema import load_inventory


@click.group(name="checklist")
def checklist_cmd() -> None:
    """The management checklist answered on site: blank answers files."""


@checklist_cmd.command(name="template")
@click.argument("entity")
@click.option(
    "--inventory",
    "inventory",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The inventory that declares ENTITY.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the file here (default: print it).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@user_errors
def template_cmd(entity: str, inventory: Path, output: Path | None, force: bool) -> None:
    """Write a blank checklist answers file for ENTITY."""
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
    if output is None:
        click.echo(text, nl=False)
        return
    if output.exists() and not force:
        raise UserError(
            f"{output} exists; it may hold answers already recorded. Fix: choose another file, "
            "or pass --force to overwrite it."
        )
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{output}: cannot write the answers file ({exc}).") from None
    out.print(
        f"{escape(str(output))}: blank answers for {escape(entity)}, {len(questions)} questions. "
        f"Reference it from the inventory as the entity's `checklist`."
    )
    if not questions:
        err.print("[yellow]warning:[/] no checklist questions are loaded")
