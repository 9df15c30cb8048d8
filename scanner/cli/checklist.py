"""The ``scanner checklist`` commands: blank answers files for the management checklist.

``scanner checklist template ENTITY --inventory F [-o FILE]`` writes a blank answers file for one
entity (:mod:`scanner.app.checklist`).
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from scanner.app.checklist import checklist_template, write_template
from scanner.cli.util import err, out, user_errors


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
    blank = checklist_template(inventory, entity)
    if output is None:
        click.echo(blank.text, nl=False)
        return
    write_template(blank, output, force=force)
    out.print(
        f"{escape(str(output))}: blank answers for {escape(entity)}, {blank.questions} "
        "questions. Reference it from the inventory as the entity's `checklist`."
    )
    if not blank.questions:
        err.print("[yellow]warning:[/] no checklist questions are loaded")
