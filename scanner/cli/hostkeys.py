"""Commands about on-site SSH access: which host keys are trusted (``scanner hostkeys approve``,
``list``, ``revoke``) and which commands the audit runs (``scanner commands``).

``approve`` reaches only on-site assets of the inventory, through its scope guard and
authorization window, and reads the host key without logging in. It pins the key only when the
fingerprint equals the one the operator got from the entity out of band (``--fingerprint``), or
after an explicit "yes" typed on a terminal; never on its own.
"""

from __future__ import annotations

import getpass
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from scanner.app.catalogue import onsite_commands, onsite_commands_markdown
from scanner.app.hostkeys import list_pins, normalize_fingerprint, pin_key, revoke
from scanner.app.runs import load_registry, preflight
from scanner.cli.util import DB_OPTION, out, user_errors
from scanner.core.errors import UserError
from scanner.core.models import AssetKind, Mode
from scanner.core.text import one_line
from scanner.engine.plan import select_checks
from scanner.engine.registry import LoadedCheck, discover
from scanner.inventory.schema import LoadedInventory, load_inventory
from scanner.store import Store
from scanner.transport.net import open_tcp
from scanner.transport.ssh import SSH_PORT, fingerprint, read_host_key

#: How long reading a host key may take (connect and key exchange).
APPROVE_TIMEOUT = 20.0


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
    inv = load_inventory(inventory)
    _, addresses = preflight(inv, load_registry(inv), profile=None)
    entity_id, asset_id, host = _onsite_asset(inv, target)
    address = addresses[(entity_id, asset_id)][0]
    deadline = time.monotonic() + APPROVE_TIMEOUT
    try:
        sock = open_tcp(address, SSH_PORT, deadline)
        key = read_host_key(sock, host, deadline)
    except Exception as exc:  # any failure to read the key is the operator's to fix
        raise UserError(
            f"cannot read the host key of {entity_id}/{asset_id} ({host}, {address} port "
            f"{SSH_PORT}): {one_line(str(exc) or type(exc).__name__)}. Fix: check that sshd "
            "runs there and the scanner may reach it."
        ) from None
    presented = fingerprint(key)
    out.print(f"{escape(entity_id)}/{escape(asset_id)} ({escape(host)}) presents {presented}")
    if wanted is not None:
        if key.fingerprint != wanted:
            raise UserError(
                f"not pinned: {host} presents {key.fingerprint}, not the {wanted} you gave. "
                "Fix: ask the entity to read the fingerprint again on the host's console; if "
                "they differ, do not log in: something may be intercepting the connection."
            )
    elif not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UserError(
            "not pinned: confirm the fingerprint out of band first. Fix: ask the entity to run "
            "`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the host and pass the result "
            "with --fingerprint (or run this command on a terminal to confirm interactively)."
        )
    elif not click.confirm(
        f"Is {key.fingerprint} the fingerprint the entity read on the host?", default=False
    ):
        raise UserError("not pinned: the fingerprint was not confirmed.")
    store = Store.open(db_url)
    pin = pin_key(store, host, SSH_PORT, key, approver or getpass.getuser(), note)
    out.print(
        f"pinned {pin.key_type} {pin.fingerprint} for {escape(host)} port {pin.port} "
        f"(approved by {escape(pin.approved_by)})"
    )


def _onsite_asset(inv: LoadedInventory, target: str) -> tuple[str, str, str]:
    """(entity id, asset id, host as written) of the on-site asset named by ``target``."""
    found = []
    for entity in inv.model.entities:
        for asset in entity.assets:
            if asset.kind != AssetKind.ONSITE:
                continue
            if target in (f"{entity.id}/{asset.id}", asset.id, asset.value):
                found.append((entity.id, asset.id, asset.value))
    if len(found) == 1:
        return found[0]
    onsite = [
        f"{e.id}/{a.id} ({a.value})"
        for e in inv.model.entities
        for a in e.assets
        if a.kind == AssetKind.ONSITE
    ]
    if found:
        raise UserError(
            f"{target!r} names several on-site assets: "
            f"{', '.join(f'{e}/{a}' for e, a, _ in found)}. Fix: give ENTITY/ASSET."
        )
    raise UserError(
        f"{inv.path}: {target!r} is not an on-site asset of the inventory (on-site assets: "
        f"{', '.join(onsite) or 'none'}). Fix: give ENTITY/ASSET, ASSET or its host as written."
    )


@hostkeys_cmd.command(name="list")
@click.option("--host", default=None, help="Only this host's pins.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@DB_OPTION
@user_errors
def list_cmd(host: str | None, as_json: bool, db_url: str | None) -> None:
    """List the pinned host keys."""
    pins = list_pins(Store.open(db_url, create=False), host)
    if as_json:
        click.echo(json.dumps([asdict(p) for p in pins], indent=2, ensure_ascii=False))
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
    if (fingerprint is None) == (not everything):
        raise UserError("give exactly one of --fingerprint SHA256:... or --all.")
    removed = revoke(Store.open(db_url, create=False), host, fingerprint=fingerprint)
    if not removed:
        raise UserError(
            f"no pin matched {host}{f' {fingerprint}' if fingerprint else ''}. Fix: see "
            "`scanner hostkeys list`."
        )
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
    logins: list[str] = []
    if inventory is None:
        if profile is not None:
            raise UserError("--profile needs --inventory.")
        checks = discover().sorted()
    else:
        inv = load_inventory(inventory)
        checks = _profile_checks(inv, profile)
        logins = _logins(inv)
    if fmt == "markdown":
        click.echo(onsite_commands_markdown(checks, logins), nl=False)
    elif fmt == "json":
        data = {"logins": logins, "commands": [asdict(u) for u in onsite_commands(checks)]}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        for line in logins:
            out.print(escape(line))
        table = Table("command", "as root", "checks")
        for use in onsite_commands(checks):
            table.add_row(
                escape(use.command), "sudo -n" if use.root else "no", ", ".join(use.checks)
            )
        out.print(table)


def _profile_checks(inv: LoadedInventory, profile: str | None) -> list[LoadedCheck]:
    """The checks of ``profile`` (of every profile when None)."""
    registry = load_registry(inv)
    names = [profile] if profile is not None else sorted(inv.model.profiles)
    chosen = {c.id: c for name in names for c in select_checks(inv, registry, name)}
    return [chosen[i] for i in sorted(chosen) if chosen[i].meta.mode == Mode.ONSITE]


def _logins(inv: LoadedInventory) -> list[str]:
    """One line per on-site asset: who logs in where, and whether root commands use sudo."""
    lines = []
    for entity in inv.model.entities:
        for asset in entity.assets:
            if asset.kind != AssetKind.ONSITE or asset.credentials is None:
                continue
            cred = inv.model.credentials[asset.credentials]
            how = (
                "root commands run as `sudo -n -- COMMAND`"
                if cred.sudo
                else "sudo off: root commands run as the login user"
            )
            lines.append(f"{entity.id}/{asset.id}: {cred.username}@{asset.value} ({how})")
    return lines
