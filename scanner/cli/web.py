"""Commands of the team web application: serve, users, tokens, and the queue of verification
rescans asked for from the web (``scanner queue run``: the web process never scans)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from scanner.app.accounts import (
    Role,
    add_user,
    create_token,
    disable_user,
    revoke_tokens,
    set_password,
)
from scanner.app.review import run_queued
from scanner.cli.util import DB_OPTION, err, out, user_errors
from scanner.core.errors import UserError
from scanner.core.text import one_line
from scanner.store import Store


@click.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--https",
    is_flag=True,
    help="Behind a TLS proxy: mark cookies Secure and send HSTS even for http requests.",
)
@click.option("--idle-timeout", default=1800, show_default=True, type=click.IntRange(60))
@DB_OPTION
@user_errors
def serve_cmd(host: str, port: int, https: bool, idle_timeout: int, db_url: str | None) -> None:
    """Serve the web application and the REST API (/api/v1) over the store."""
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    from scanner.web.app import WebSettings, create_app  # noqa: PLC0415

    store = Store.open(db_url)
    app = create_app(store, WebSettings(https=https, idle=float(idle_timeout)))
    err.print(f"serving on http://{escape(host)}:{port}/ (log in at /login; API at /api/docs)")
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)


def _password(env: str | None, confirm: bool = True) -> str:
    if env:
        value = os.environ.get(env)
        if not value:
            raise UserError(f"--password-env {env}: that variable is not set or empty.")
        return value
    return str(click.prompt("password", hide_input=True, confirmation_prompt=confirm))


@click.group(name="users")
def users_cmd() -> None:
    """Accounts of the web application."""


@users_cmd.command(name="add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--entity", default=None, help="A liaison's entity id.")
@click.option("--password-env", default=None, metavar="VAR", help="Read the password from $VAR.")
@click.option(
    "--generate-password",
    is_flag=True,
    help="Generate a password and print it once (instead of --password-env or a prompt).",
)
@click.option(
    "--reset-existing",
    is_flag=True,
    help="If NAME exists with this role, give it the new password instead of failing.",
)
@DB_OPTION
@user_errors
def users_add(
    name: str,
    role: str,
    entity: str | None,
    password_env: str | None,
    generate_password: bool,
    reset_existing: bool,
    db_url: str | None,
) -> None:
    """Add account NAME with ROLE (a liaison with --entity)."""
    password = secrets.token_urlsafe(15) if generate_password else _password(password_env)
    store = Store.open(db_url)
    found = store.accounts.user_named(name)
    if reset_existing and found is not None and found.role == role:
        set_password(store, name, password)
        action, said = "user.password", f"user {escape(name)} exists ({role}): new password set"
    else:
        add_user(store, name, role, password, entity=entity)
        action = "user.added"
        said = f"user {escape(name)} added ({role}{', entity ' + escape(entity) if entity else ''})"
    store.audit.record(
        actor="cli",
        source="cli",
        action=action,
        object_type="user",
        detail=f"{name} ({role}{', ' + entity if entity else ''})",
    )
    out.print(said)
    if generate_password:
        out.print(f"password (shown once): {password}")


@users_cmd.command(name="disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Enable the account again instead.")
@DB_OPTION
@user_errors
def users_disable(name: str, enable: bool, db_url: str | None) -> None:
    """Disable account NAME (its sessions end and its tokens are revoked)."""
    store = Store.open(db_url, create=False)
    disable_user(store, name, enable=enable)
    store.audit.record(
        actor="cli",
        source="cli",
        action="user.enabled" if enable else "user.disabled",
        object_type="user",
        detail=name,
    )
    out.print(f"user {escape(name)} {'enabled' if enable else 'disabled'}")


@users_cmd.command(name="passwd")
@click.argument("name")
@click.option("--password-env", default=None, metavar="VAR", help="Read the password from $VAR.")
@DB_OPTION
@user_errors
def users_passwd(name: str, password_env: str | None, db_url: str | None) -> None:
    """Set a new password for account NAME (its sessions end)."""
    store = Store.open(db_url, create=False)
    set_password(store, name, _password(password_env))
    store.audit.record(
        actor="cli", source="cli", action="user.password", object_type="user", detail=name
    )
    out.print(f"password of {escape(name)} changed")


@users_cmd.command(name="list")
@DB_OPTION
@user_errors
def users_list(db_url: str | None) -> None:
    """List the accounts."""
    table = Table("name", "role", "entity", "disabled")
    for u in Store.open(db_url, create=False).accounts.all_users():
        table.add_row(
            escape(u.name), u.role, escape(u.entity_id or ""), "yes" if u.disabled else ""
        )
    out.print(table)


@click.group(name="tokens")
def tokens_cmd() -> None:
    """API tokens of the web application's REST API."""


@tokens_cmd.command(name="create")
@click.argument("name")
@click.option("--label", default="api", show_default=True, help="What the token is for.")
@DB_OPTION
@user_errors
def tokens_create(name: str, label: str, db_url: str | None) -> None:
    """Create an API token for account NAME; it is printed once and stored hashed."""
    store = Store.open(db_url, create=False)
    token = create_token(store, name, label[:100])
    store.audit.record(
        actor="cli",
        source="cli",
        action="token.created",
        object_type="user",
        detail=f"{name}: {label[:100]}",
    )
    click.echo(token)


@tokens_cmd.command(name="revoke")
@click.argument("name")
@DB_OPTION
@user_errors
def tokens_revoke(name: str, db_url: str | None) -> None:
    """Revoke every API token of account NAME."""
    store = Store.open(db_url, create=False)
    count = revoke_tokens(store, name)
    store.audit.record(
        actor="cli", source="cli", action="token.revoked", object_type="user", detail=name
    )
    out.print(f"{count} tokens of {escape(name)} revoked")


@click.group(name="queue")
def queue_cmd() -> None:
    """Verification rescans asked for from the web application."""


@queue_cmd.command(name="run")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("notices"),
    show_default=True,
    help="Where re-rendered notices are written.",
)
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1))
@click.option(
    "--inventory",
    type=click.Path(path_type=Path),
    default=None,
    help="Rescan with this inventory instead of each run's stored copy.",
)
@DB_OPTION
@user_errors
def queue_run(out_dir: Path, limit: int, inventory: Path | None, db_url: str | None) -> None:
    """Run the queued verification rescans, oldest first, and exit."""
    done = run_queued(Store.open(db_url), out_dir, limit=limit, inventory=inventory)
    for r in done:
        out.print(
            f"request {r.id} (notice id {r.notice_id}): {r.status} {escape(one_line(r.note))}"
        )
    out.print(f"{len(done)} queued rescans handled")
