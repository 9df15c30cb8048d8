"""``scanner validate``: in a module of its own, so that running it imports the inventory schema,
the scope guard and the check registry, and not the store, the reports or the other commands."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from scanner.app.validate import validate_inventory
from scanner.cli.util import out, user_errors


@click.command()
@click.argument("inventory", type=click.Path(path_type=Path))
@click.option("--profile", default=None, help="Also check this profile (default: all profiles).")
@click.option(
    "--checks-dir",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Extra folder of check modules.",
)
@user_errors
def validate(inventory: Path, profile: str | None, checks_dir: tuple[Path, ...]) -> None:
    """Validate INVENTORY without sending a packet: schema, scope, authorization, checks."""
    v = validate_inventory(inventory, profile=profile, extra_dirs=checks_dir)
    out.print(
        f"{escape(str(inventory))}: valid. Campaign {escape(v.campaign)!r}: "
        f"{v.entities} entities, {v.assets_in_scope} assets in scope, "
        f"{len(v.profiles)} profiles ({', '.join(v.profiles)}), "
        f"{v.checks} checks available."
    )
