"""``scanner worker``: serve a broker's jobs (scale-out), and the coordinator ``scanner run
--broker`` uses (:mod:`scanner.app.workers`)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import click
from click.core import ParameterSource
from rich.markup import escape

from scanner.app import workers
from scanner.cli.util import DB_OPTION, err, user_errors
from scanner.engine.jobs import Dispatch
from scanner.store import Store

BROKER_ENV = "SCANNER_BROKER"
BROKER_HELP = (
    "Celery broker URL, e.g. redis://127.0.0.1:6379/0 (default: $SCANNER_BROKER, which keeps "
    "its password off the command line; see docs/scale-out.md)."
)


@click.command(name="worker")
@click.option("--broker", required=True, envvar=BROKER_ENV, metavar="URL", help=BROKER_HELP)
@DB_OPTION
@click.option(
    "--checks-dir",
    "checks_dirs",
    multiple=True,
    envvar="SCANNER_CHECKS_DIRS",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Folder of check modules this worker loads besides the built-in ones and entry points "
    "(default: $SCANNER_CHECKS_DIRS, folders separated by ':'). Give the coordinator's "
    "--checks-dir and the inventory's checks.dirs: a worker loads no folder a task or an "
    "inventory names.",
)
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
    checks_dirs: tuple[Path, ...],
    concurrency: int,
    redelivery_after: float | None,
    name: str | None,
) -> None:
    """Run the jobs that `scanner run --broker` sends, writing into the store (--db).

    Needs SCANNER_TASK_KEY, the key the coordinator signs its tasks with."""
    warn_password_in_argv(broker)
    store = Store.open(db_url)
    sys.exit(
        workers.serve(
            broker,
            store,
            checks_dirs=checks_dirs,
            concurrency=concurrency,
            redelivery_after=redelivery_after,
            name=name,
        )
    )


def warn_password_in_argv(broker: str) -> None:
    """A note when --broker carries a password on the command line, which `ps` shows."""
    source = click.get_current_context().get_parameter_source("broker")
    if source == ParameterSource.COMMANDLINE and urlsplit(broker).password:
        err.print(
            "[yellow]note:[/] the broker password is visible to every user of this machine "
            f"(`ps`); set {BROKER_ENV} instead of --broker."
        )


def coordinator(broker: str, timeout: float) -> Callable[[Store], Dispatch]:
    """What makes the ``dispatch`` of a distributed run, its notes printed on stderr."""
    warn_password_in_argv(broker)

    def make(store: Store) -> Dispatch:
        return workers.coordinator(
            broker,
            store,
            timeout,
            notify=lambda message: err.print(f"[yellow]note:[/] {escape(message)}"),
        )

    return make
