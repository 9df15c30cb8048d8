"""Commands about on-site SSH access: which host keys are trusted (``scanner hostkeys approve``,
``list``, ``revoke``) and which commands the audit runs (``scanner commands``).

``approve`` reaches only on-site assets of the inventory, through its scope guard and
authorization window, and reads the host key without logging in. It pins the key only when the
fingerprint equals the one the operator got from the entity out of band (``--fingerprint``), or
after an explicit "yes" typed on a terminal; never on its own.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from scanner.app.catalogue import onsite_commands, onsite_commands_markdown
from scanner.app.hostkeys import list_pins, normalize_fingerprint
from scanner.app.onsite import onsite_audit
from scanner.app.pinning import confirm_key, pin_presented, read_presented_key, revoke_pins
from scanner.cli.jsonout import echo_json
from scanner.cli.util import DB_OPTION, out, user_errors
from scanner.core.text import one_line
from scanner.store import Store


@click.group(name="hostkeys")
def hostkeys_cmd() -> None:
    """SSH host keys of on-site hosts pinned in the store (trusted like known_hosts)."""


@hostkeys_cmd.command(name="approve")
@click.option(
    "--inventory", "inventory", required=True, type=click.Path(path_type=Path), metavar="FILE"
)
@click.argument("target", metavar="ASSET-or-HOST")
@click.option(
    "--fingerprint",
    "expected",
    default=None,
    metavar="SHA256:...",
    help="The fingerprint the entity read on the host (ssh-keygen -lf); pin only if it matches.",
)
@click.option("--approver", default=None, metavar="NAME", help="Who approves (default: $USER).")
@click.option("--note", default="", help="Free text kept with the pin (ticket, who confirmed).")
@DB_OPTION
@user_errors
def approve_cmd(
    inventory: Path,
    target: str,
    expected: str | None,
    approver: str | None,
    note: str,
    db_url: str | None,
) -> None:
    """Read the host key of an on-site asset (ENTITY/ASSET, ASSET or its host) without logging
    in, print its fingerprint, and pin it when it matches --fingerprint or you confirm it."""
    wanted = normalize_fingerprint(expected) if expected is not None else None
    presented = read_presented_key(inventory, target)
    out.print(
        f"{escape(presented.entity_id)}/{escape(presented.asset_id)} "
        f"({escape(presented.host)}) presents {presented.shown}"
    )
    on_terminal = sys.stdin.isatty() and sys.stdout.isatty()
    confirm_key(presented, wanted, _ask if on_terminal else None)
    pin = pin_presented(Store.open(db_url), presented, approver, note)
    out.print(
        f"pinned {pin.key_type} {pin.fingerprint} for {escape(presented.host)} port {pin.port} "
        f"(approved by {escape(pin.approved_by)})"
    )


def _ask(question: str) -> bool:
    return click.confirm(question, default=False)


@hostkeys_cmd.command(name="list")
@click.option("--host", default=None, help="Only this host's pins.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@DB_OPTION
@user_errors
def list_cmd(host: str | None, as_json: bool, db_url: str | None) -> None:
    """List the pinned host keys."""
    pins = list_pins(Store.open(db_url, create=False), host)
    if as_json:
        echo_json([asdict(p) for p in pins])
        return
    table = Table("host", "port", "type", "fingerprint", "approved by", "approved at", "note")
    for p in pins:
        table.add_row(
            escape(p.host),
            str(p.port),
            p.key_type,
            p.fingerprint,
            escape(p.approved_by),
            time.strftime("%Y-%m-%d %H:%M", time.gmtime(p.approved_at)),
            escape(one_line(p.note, 60)),
        )
    out.print(table)


@hostkeys_cmd.command(name="revoke")
@click.argument("host")
@click.option("--fingerprint", default=None, metavar="SHA256:...", help="Only this key.")
@click.option("--all", "everything", is_flag=True, help="Every key pinned for HOST.")
@DB_OPTION
@user_errors
def revoke_cmd(host: str, fingerprint: str | None, everything: bool, db_url: str | None) -> None:
    """Remove pins of HOST: the key with --fingerprint, or --all of them."""
    store = Store.open(db_url, create=False)
    removed = revoke_pins(store, host, fingerprint=fingerprint, everything=everything)
    out.print(f"revoked {removed} pin{'s' if removed > 1 else ''} of {escape(host)}")


@click.command(name="commands")
@click.option(
    "--inventory", "inventory", default=None, type=click.Path(path_type=Path), metavar="FILE"
)
@click.option("--profile", default=None, help="Only this profile's checks (with --inventory).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "markdown", "json"]),
    default="table",
    show_default=True,
)
@user_errors
def commands_cmd(inventory: Path | None, profile: str | None, fmt: str) -> None:
    """Print every command the on-site audit runs on a host (all checks, or those of one
    inventory's profile), whether as root via `sudo -n`, and which checks run it."""
    audit = onsite_audit(inventory, profile)
    checks, logins = audit.checks, audit.logins
    if fmt == "markdown":
        click.echo(onsite_commands_markdown(checks, logins), nl=False)
    elif fmt == "json":
        data = {"logins": logins, "commands": [asdict(u) for u in onsite_commands(checks)]}
        echo_json(data)
    else:
        for line in logins:
            out.print(escape(line))
        table = Table("command", "as root", "checks")
        for use in onsite_commands(checks):
            table.add_row(escape(use.command), "yes" if use.root else "no", ", ".join(use.checks))
        out.print(table)
