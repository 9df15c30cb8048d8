"""The scheduler's commands: which profiles are scheduled, their next due times and last
outcome (``scanner schedule list``), and a scheduler checked and started (``schedule run``).

The loop itself is :class:`scanner.app.scheduler.Scheduler`; this module only prepares it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from scanner.app.compile import checks_dirs, preflight
from scanner.app.scheduler import Scheduled, Scheduler, schedule_problems, scheduled_profiles
from scanner.core.errors import UserError
from scanner.engine.compiled import load_registry
from scanner.inventory.schema import LoadedInventory, load_inventory
from scanner.schedule.due import upcoming
from scanner.store import Store
from scanner.store.schedules import Event


@dataclass(frozen=True)
class ScheduleOverview:
    """One scheduled profile as ``schedule list`` shows it.

    Attributes:
        item: the profile, its schedule and its name in the store.
        due: its next due times (epoch seconds).
        last: its newest logged due time, or None when it never ran (or there is no store).
    """

    item: Scheduled
    due: list[float]
    last: Event | None


def scheduled_inventory(inventory: Path, now: float) -> LoadedInventory:
    """The inventory at ``inventory``; a UserError when no profile has a schedule, or a schedule
    would never run."""
    inv = load_inventory(inventory)
    if not scheduled_profiles(inv):
        raise UserError(
            f"{inventory}: no profile has a schedule. Fix: add `schedule:` with at least `cron:` "
            "to a profile (see docs/scheduling.md)."
        )
    problems = schedule_problems(inv, now)
    if problems:
        raise UserError("\n".join([f"{inventory}: schedules that would never run:", *problems]))
    return inv


def schedule_overview(
    inv: LoadedInventory, store: Store | None, count: int, now: float
) -> list[ScheduleOverview]:
    """Each scheduled profile's next ``count`` due times after ``now`` and its last outcome in
    ``store`` (None: no store yet, so nothing ran)."""
    overview = []
    for item in scheduled_profiles(inv):
        last = store.schedules.events(item.name, limit=1) if store else []
        overview.append(
            ScheduleOverview(item, upcoming(item.schedule, now, count), last[0] if last else None)
        )
    return overview


def preflight_schedules(inv: LoadedInventory, extra_dirs: Iterable[Path]) -> list[Path]:
    """Refuse to start a scheduler whose profiles could never run: every scheduled profile's
    preflight; the extra check folders, checked."""
    dirs = checks_dirs(extra_dirs)
    registry = load_registry(inv, dirs)
    for item in scheduled_profiles(inv):
        preflight(inv, registry, profile=item.profile)
    return dirs


def run_scheduler(
    inv: LoadedInventory,
    store: Store,
    *,
    extra_dirs: Iterable[Path],
    max_runs: int | None,
    until: float | None,
    lock_ttl: float,
) -> None:
    """Run the scheduler until it is stopped, ``max_runs`` runs ended or ``until`` passed."""
    Scheduler(
        inv, store, extra_dirs=extra_dirs, max_runs=max_runs, until=until, lock_ttl=lock_ttl
    ).run_forever()
