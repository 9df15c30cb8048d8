"""``scanner worker``: serve a broker's jobs (scale-out), and the coordinator ``scanner run
--broker`` uses (:mod:`scanner.app.workers`)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click
from rich.markup import escape

from scanner.app import workers
from scanner.cli.util import DB_OPTION, err, user_errors
from scanner.engine.jobs import Dispatch
from scanner.store import Store

BROKER_HELP = "Celery broker URL, e.g. redis://127.0.0.1:6379/0 (see docs/scale-out.md)."


@click.command(name="worker")
@click.option("--broker", required=True, metavar="URL", help=BROKER_HELP)
@DB_OPTION
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Assets this worker inspects at once, each with at most rate_limits.per_host checks "
    "at once per host. Start one worker per core rather than raising this much.",
)
@click.option(
    "--redelivery-after",
    type=click.FloatRange(min=1.0),
    default=None,
    metavar="SECONDS",
    help="Give a task whose worker vanished to another worker after this long (Redis broker; "
    "default 900). Keep it above the longest asset's inspection.",
)
@click.option("--name", default=None, help="Node name (default: celery@HOSTNAME).")
@user_errors
def worker_cmd(
    broker: str,
    db_url: str | None,
    concurrency: int,
    redelivery_after: float | None,
    name: str | None,
) -> None:
    """Run the jobs that `scanner run --broker` sends, writing into the store (--db)."""
    store = Store.open(db_url)
    sys.exit(
        workers.serve(
            broker, store, concurrency=concurrency, redelivery_after=redelivery_after, name=name
        )
    )


def coordinator(broker: str, timeout: float) -> Callable[[Store, list[Path]], Dispatch]:
    """What makes the ``dispatch`` of a distributed run, its notes printed on stderr."""

    def make(store: Store, checks_dirs: list[Path]) -> Dispatch:
        return workers.coordinator(
            broker,
            store,
            timeout,
            checks_dirs,
            notify=lambda message: err.print(f"[yellow]note:[/] {escape(message)}"),
        )

    return make
