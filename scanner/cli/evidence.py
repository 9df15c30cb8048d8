"""Commands about evidence: the authority's signing key (``scanner keys generate``), a notice's
signed evidence bundle (``scanner evidence export`` and ``verify``), and a run's attempt chain
in the store (``scanner evidence chain``).

``verify`` and ``chain`` exit 0 when everything matches and 1 naming the first mismatch; a
problem with the command itself (a key that cannot be read) is exit 2 as everywhere.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape

from scanner.app.evidence import export_notice, verify_bundle, verify_run_chain
from scanner.app.keys import generate
from scanner.app.results import resolve_run
from scanner.cli.util import DB_OPTION, out, user_errors
from scanner.core.text import one_line
from scanner.store import Store

PASSPHRASE_OPTION = click.option(
    "--passphrase-env",
    default=None,
    metavar="NAME",
    help="Environment variable holding the private key's passphrase (default: unencrypted).",
)


@click.group(name="keys")
def keys_cmd() -> None:
    """The authority's Ed25519 key that signs evidence bundles (kept in files, never in the
    store)."""


@keys_cmd.command(name="generate")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path), metavar="PATH")
@PASSPHRASE_OPTION
@user_errors
def generate_cmd(out_path: Path, passphrase_env: str | None) -> None:
    """Write a new key pair: PATH (private, mode 0600) and PATH.pub (to publish)."""
    made = generate(out_path, passphrase_env=passphrase_env)
    out.print(
        f"private key {escape(str(made.private))} (mode 0600, keep it off the scanning store), "
        f"public key {escape(str(made.public))}; fingerprint {made.fingerprint}"
    )


@click.group(name="evidence")
def evidence_cmd() -> None:
    """Signed, tamper-evident evidence bundles of notices, and the runs' attempt chains."""


@evidence_cmd.command(name="export")
@click.argument("number", metavar="NOTICE")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path), metavar="FILE")
@click.option(
    "--key",
    "key_path",
    required=True,
    type=click.Path(path_type=Path),
    metavar="PRIVATE",
    help="The authority's private key (`scanner keys generate`).",
)
@PASSPHRASE_OPTION
@click.option(
    "--tsa",
    default=None,
    metavar="URL",
    help="An RFC 3161 timestamp authority to countersign the manifest (optional).",
)
@DB_OPTION
@user_errors
def export_cmd(
    number: str,
    out_path: Path,
    key_path: Path,
    passphrase_env: str | None,
    tsa: str | None,
    db_url: str | None,
) -> None:
    """Write NOTICE's evidence bundle (a zip archive) to FILE, signed with PRIVATE."""
    store = Store.open(db_url, create=False)
    bundle = export_notice(
        store, number, out_path, key_path, passphrase_env=passphrase_env, tsa=tsa
    )
    stamped = f"; timestamped {bundle.timestamp}" if bundle.timestamp else ""
    out.print(
        f"{escape(str(bundle.path))}: notice {escape(bundle.number)} (run {bundle.run_id}), "
        f"{bundle.members} members, {bundle.attempts} attempts; chain head {bundle.chain_head} "
        f"after {bundle.chain_length} attempts; signed by {bundle.signer}{stamped}"
    )


@evidence_cmd.command(name="verify")
@click.argument("path", metavar="FILE", type=click.Path(path_type=Path))
@click.option(
    "--key",
    "key_path",
    default=None,
    type=click.Path(path_type=Path),
    metavar="PUBLIC",
    help="The authority's public key (PATH.pub); without it, the bundle's own key is used.",
)
@click.option(
    "--tsa-ca",
    "tsa_ca",
    default=None,
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="The timestamp authority's CA certificate (PEM): check the bundle's timestamp.",
)
@user_errors
def verify_cmd(path: Path, key_path: Path | None, tsa_ca: Path | None) -> None:
    """Check FILE's manifest, chain and signature; name the first mismatch (exit 1)."""
    found = verify_bundle(path, key_path, tsa_ca=tsa_ca)
    if not found.ok:
        out.print(f"{escape(str(path))}: NOT VERIFIED: {escape(one_line(found.problem, 500))}")
        sys.exit(1)
    whose = (
        f"signed by the key given ({found.signer})"
        if found.key_given
        else f"signed by the bundle's own key {found.signer}: pass --key AUTHORITY.pub to check "
        "whose key that is"
    )
    if found.timestamp_checked:
        when = f" Timestamped {found.timestamp} by the authority whose CA was given."
    elif found.timestamp:
        when = f" It states a timestamp of {found.timestamp}: pass --tsa-ca to check it."
    else:
        when = " No trusted timestamp: its times are the scanning machine's clock."
    out.print(
        f"{escape(str(path))}: verified. Notice {escape(one_line(found.number))} (run "
        f"{found.run_id}), {found.members} members match the manifest, chain of "
        f"{found.chain_length} attempts ends at {found.chain_head}, {whose}.{escape(when)}"
    )


@evidence_cmd.command(name="chain")
@click.option("--run", "run_id", type=int, default=None, help="Run id (default: the latest).")
@DB_OPTION
@user_errors
def chain_cmd(run_id: int | None, db_url: str | None) -> None:
    """Check a run's attempt chain against the attempts in the store (exit 1 on a mismatch)."""
    store = Store.open(db_url, create=False)
    checked = verify_run_chain(store, resolve_run(store, run_id))
    if not checked.ok:
        out.print(f"run {checked.run_id}: NOT VERIFIED: {escape(one_line(checked.problem, 500))}")
        sys.exit(1)
    out.print(f"run {checked.run_id}: {checked.links} attempts chained; head {checked.head}")
