"""``scanner schedule list`` (the next due times) and ``scanner schedule run`` (the scheduler).

See docs/scheduling.md. The scheduler logs to stderr (and ``--log FILE``), one line per start,
end, miss and skip, with UTC times; the same events land in the store's ``schedule_events``.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.markup import escape

from scanner.app.runs import load_registry, preflight
from scanner.app.scheduler import Scheduler, schedule_problems, scheduled_profiles
from scanner.cli.util import DB_OPTION, out, user_errors
from scanner.core.errors import UserError
from scanner.core.text import one_line
from scanner.inventory.schema import LoadedInventory, duration_seconds, load_inventory
from scanner.schedule.due import upcoming
from scanner.store import Store
from scanner.store.locks import TTL

INVENTORY_OPTION = click.option(
    "--inventory",
    "inventory",
    required=True,
    type=click.Path(path_type=Path),
    help="The inventory whose profiles have schedules.",
)


@click.group(name="schedule")
def schedule_cmd() -> None:
    """Scheduled runs: show the next due times, or run the scheduler."""


def _scheduled(inventory: Path) -> LoadedInventory:
    inv = load_inventory(inventory)
    if not scheduled_profiles(inv):
        raise UserError(
            f"{inventory}: no profile has a schedule. Fix: add `schedule:` with at least `cron:` "
            "to a profile (see docs/scheduling.md)."
        )
    problems = schedule_problems(inv, time.time())
    if problems:
        raise UserError("\n".join([f"{inventory}: schedules that would never run:", *problems]))
    return inv


@schedule_cmd.command(name="list")
@INVENTORY_OPTION
@click.option("--count", default=5, show_default=True, type=click.IntRange(1, 100))
@DB_OPTION
@user_errors
def list_cmd(inventory: Path, count: int, db_url: str | None) -> None:
    """Show each scheduled profile's next due times (local and UTC) and its last outcome."""
    inv = _scheduled(inventory)
    try:
        store: Store | None = Store.open(db_url, create=False)
    except UserError:
        store = None  # no store yet: nothing has run, which is worth showing too
    now = time.time()
    for item in scheduled_profiles(inv):
        s = item.schedule
        policy = f"catch_up {s.catch_up}" + (
            f" within {s.catch_up_within}" if s.catch_up == "once" else ""
        )
        out.print(
            f"[bold]{escape(item.profile)}[/]: cron {escape(repr(s.cron))} in {s.timezone}; "
            f"window {s.window or 'none'}; {policy}; "
            f"verify at deadline: {'yes' if s.verify_at_deadline else 'no'}"
        )
        for due in upcoming(s, now, count):
            local = datetime.fromtimestamp(due, s.zone)
            out.print(
                f"  {local:%Y-%m-%d %a %H:%M:%S} {local:%Z} ({local:%z})   "
                f"{datetime.fromtimestamp(due, UTC):%Y-%m-%d %H:%M:%S} UTC"
            )
        last = store.schedules.events(item.name, limit=1) if store else []
        if last:
            e = last[0]
            run = f" run {e.run_id}" if e.run_id is not None else ""
            note = f": {escape(one_line(e.note, 200))}" if e.note else ""
            due_text = datetime.fromtimestamp(e.due_at, UTC).strftime("%Y-%m-%d %H:%M:%S")
            out.print(f"  last: due {due_text} UTC{run} {e.outcome}{note}")
        else:
            out.print("  last: never ran")


def _until(value: str | None) -> float | None:
    """``--until``: a duration from now (90s, 30m, 2h) or an ISO time (naive is UTC)."""
    if value is None:
        return None
    if re.fullmatch(r"\d+[smhd]", value):
        return time.time() + duration_seconds(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UserError(
            f"--until {value!r}: write a duration like 90s, 30m or 2h, or a time like "
            "2026-12-01T06:00:00+08:00."
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _logging(log_file: Path | None) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        try:
            handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
        except OSError as exc:
            raise UserError(f"--log {log_file}: cannot write it ({exc}).") from None
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime  # UTC, like the store
    logger = logging.getLogger("scanner.schedule.due")
    for handler in handlers:
        handler.setFormatter(formatter)
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


@schedule_cmd.command(name="run")
@INVENTORY_OPTION
@click.option(
    "--checks-dir",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Extra folder of check modules.",
)
@click.option("--max-runs", type=click.IntRange(1), default=None, help="Exit after N runs.")
@click.option(
    "--until", default=None, help="Exit at this time (ISO, naive is UTC) or after 90s, 30m, 2h."
)
@click.option(
    "--lock-ttl",
    type=click.FloatRange(3, 3600),
    default=TTL,
    show_default=True,
    help="Seconds a crashed scheduler's lock blocks the profile (heartbeat: a third of it).",
)
@click.option("--log", "log_file", type=click.Path(path_type=Path), help="Also log to FILE.")
@DB_OPTION
@user_errors
def run_cmd(
    inventory: Path,
    checks_dir: tuple[Path, ...],
    max_runs: int | None,
    until: str | None,
    lock_ttl: float,
    log_file: Path | None,
    db_url: str | None,
) -> None:
    """Run the scheduler: start each scheduled profile at its due times until SIGTERM."""
    inv = _scheduled(inventory)
    for d in checks_dir:
        if not d.is_dir():
            raise UserError(f"--checks-dir {d}: not a folder. Fix: point it at check modules.")
    registry = load_registry(inv, checks_dir)
    for item in scheduled_profiles(inv):  # refuse to start what could never run
        preflight(inv, registry, profile=item.profile)
    end = _until(until)
    _logging(log_file)
    store = Store.open(db_url)
    Scheduler(
        inv, store, extra_dirs=checks_dir, max_runs=max_runs, until=end, lock_ttl=lock_ttl
    ).run_forever()
