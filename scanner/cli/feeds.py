"""``scanner feed import FILE...`` and ``scanner feed status``: the vulnerability feeds in the
store (files the inspector brings; nothing is downloaded)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from scanner.app.feeds import STALE_DAYS, feed_status, import_feeds
from scanner.cli.jsonout import echo_json
from scanner.cli.util import DB_OPTION, out, user_errors
from scanner.core.text import one_line
from scanner.store import Store


@click.group(name="feed")
def feed_cmd() -> None:
    """Vulnerability feeds (OSV, NVD CVE JSON 2.0, CISA KEV) imported from files."""


@feed_cmd.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--source",
    default=None,
    metavar="NAME",
    help="Name of the source the files replace (default: osv:ECOSYSTEM, nvd or kev).",
)
@DB_OPTION
@user_errors
def import_cmd(files: tuple[Path, ...], source: str | None, db_url: str | None) -> None:
    """Import feed FILES: OSV records or an ecosystem's zip, NVD CVE JSON 2.0, the KEV catalogue.
    Each source is replaced whole, in one transaction."""
    for row in import_feeds(Store.open(db_url), list(files), source=source):
        out.print(
            f"{escape(one_line(row.source, 100))}: {row.entries} {row.kind} entries imported "
            f"(feed version {escape(one_line(row.version or 'unknown', 100))})"
        )


@feed_cmd.command(name="status")
@click.option(
    "--stale-days", default=STALE_DAYS, show_default=True, help="Call feeds older than this stale."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@DB_OPTION
@user_errors
def status_cmd(stale_days: float, as_json: bool, db_url: str | None) -> None:
    """Each imported source: kind, version, entries, import time and age."""
    rows = feed_status(Store.open(db_url, create=False), stale_days=stale_days)
    if as_json:
        echo_json(
            [
                {
                    "source": r.source.source,
                    "kind": r.source.kind,
                    "version": r.source.version,
                    "entries": r.source.entries,
                    "imported_at": r.source.imported_at,
                    "age_days": r.age_days,
                    "stale": r.stale,
                    "files": r.source.files,
                }
                for r in rows
            ]
        )
        return
    if not rows:
        out.print("no feed imported. Fix: `scanner feed import FILE...` (docs/vulnerabilities.md).")
        return
    table = Table("source", "kind", "version", "entries", "age", "files")
    for r in rows:
        age = f"{r.age_days:g} days" + (" (stale)" if r.stale else "")
        table.add_row(
            escape(one_line(r.source.source, 100)),
            r.source.kind,
            escape(one_line(r.source.version, 100)),
            str(r.source.entries),
            age,
            escape(one_line(r.source.files, 80)),
        )
    out.print(table)
