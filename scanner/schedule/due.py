"""Due times of scheduled profiles: cron expression, time zone, scan window, catch-up policy.

Pure functions of a :class:`~scanner.inventory.schema.Schedule` and moments in UTC epoch seconds:
the clock is always the caller's (the scheduler passes the real one, tests a fixed one). The rules,
documented in docs/scheduling.md:

- the due times are the cron expression's times, read in the schedule's time zone, that fall
  inside the scan window when there is one (``[open, close)`` in local time, possibly across
  midnight);
- a local time that happens twice (the hour repeated when daylight saving time ends) is due once,
  at its first occurrence; a local time that does not exist (the hour skipped when it starts) is
  due at the first moment after the gap;
- a due time picked up at most :data:`ON_TIME` seconds after it is on time. A later one is late
  (the scheduler was down, or busy with another run) and the catch-up policy decides: ``once``
  runs the latest late due time if it is at most ``catch_up_within`` late, ``skip`` runs none.
  Late due times that do not run are logged as missed; a run never starts outside the window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from croniter import CroniterBadDateError

from scanner.inventory.schema import Schedule, cron_iter

#: Seconds after a due time within which picking it up counts as on time.
ON_TIME = 60.0
#: Due times further ahead than this do not exist as far as the scheduler is concerned.
LOOKAHEAD = 400 * 86400.0
#: Bound on the cron candidates one lookup examines (each jump skips a closed window).
SEARCH_STEPS = 2000
#: Missed due times are counted up to this many (then "more than").
COUNT_CAP = 1000


@dataclass(frozen=True)
class Decision:
    """What to do about a schedule's due times that have come.

    Attributes:
        run: the due time to start a run for now, or None.
        missed_at: the due time under which the missed ones are logged (the latest not run).
        missed: how many due times are missed (at most :data:`COUNT_CAP`).
        note: why, for the log and ``schedule_events``.
    """

    run: float | None
    missed_at: float | None
    missed: int
    note: str


def _local(moment: float, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(moment, zone)


def _repeated(moment: datetime) -> bool:
    """True for the second occurrence of a local time repeated when daylight saving time ends."""
    if moment.fold == 0:
        return False
    # croniter sets fold=1 on unambiguous times too; only a real repetition counts.
    return moment.replace(fold=0).utcoffset() != moment.replace(fold=1).utcoffset()


def in_window(schedule: Schedule, moment: float) -> bool:
    """True when ``moment`` lies inside the schedule's window (always, without a window)."""
    times = schedule.window_times
    if times is None:
        return True
    opens, closes = times
    now = _local(moment, schedule.zone).time().replace(tzinfo=None)
    if opens < closes:
        return opens <= now < closes
    return now >= opens or now < closes  # across midnight


def _at(day: date, clock: time, zone: ZoneInfo) -> float:
    return datetime.combine(day, clock, tzinfo=zone).timestamp()


def window_close(schedule: Schedule, moment: float) -> float | None:
    """When the window that ``moment`` is in closes (None without a window)."""
    times = schedule.window_times
    if times is None:
        return None
    closes = times[1]
    day = _local(moment, schedule.zone).date()
    candidates = (_at(day + timedelta(days=d), closes, schedule.zone) for d in range(3))
    return min(c for c in candidates if c > moment)


def _window_opens_after(schedule: Schedule, moment: float) -> float:
    times = schedule.window_times
    assert times is not None
    day = _local(moment, schedule.zone).date()
    candidates = (_at(day + timedelta(days=d), times[0], schedule.zone) for d in range(3))
    return min(c for c in candidates if c > moment)


def _window_closed_before(schedule: Schedule, moment: float) -> float:
    times = schedule.window_times
    assert times is not None
    day = _local(moment, schedule.zone).date()
    candidates = (_at(day - timedelta(days=d), times[1], schedule.zone) for d in range(3))
    return max(c for c in candidates if c <= moment)


def next_due(schedule: Schedule, after: float) -> float | None:
    """The first due time strictly after ``after``, or None if there is none in a year."""
    start = math.floor(after)
    for _ in range(SEARCH_STEPS):
        try:
            found = _next_cron(schedule, start)
        except CroniterBadDateError:  # e.g. "0 0 31 2 *": no such day, ever
            return None
        if found > after + LOOKAHEAD:
            return None
        if found > after and in_window(schedule, found):
            return found
        if found > after:  # outside the window: look again from just before it opens
            start = max(int(found), math.floor(_window_opens_after(schedule, found)) - 1)
        else:
            start = int(found)
    return None


def _next_cron(schedule: Schedule, start: int) -> float:
    it = cron_iter(schedule.cron, _local(start, schedule.zone))
    for _ in range(SEARCH_STEPS):
        moment: datetime = it.get_next(datetime)
        if not _repeated(moment):
            return moment.timestamp()
    raise CroniterBadDateError("no unrepeated local time found")


def prev_due(schedule: Schedule, at: float) -> float | None:
    """The last due time at or before ``at``, or None if there is none in the year before."""
    start = math.floor(at) + 1
    for _ in range(SEARCH_STEPS):
        try:
            it = cron_iter(schedule.cron, _local(start, schedule.zone), backwards=True)
            moment: datetime = it.get_prev(datetime)
            while _repeated(moment):
                moment = it.get_prev(datetime)
        except CroniterBadDateError:
            return None
        found = moment.timestamp()
        if found < at - LOOKAHEAD:
            return None
        if found <= at and in_window(schedule, found):
            return found
        if found <= at:  # outside the window: look again from when it last closed
            start = min(int(found), math.ceil(_window_closed_before(schedule, found)))
        else:
            start = int(found)
    return None


def upcoming(schedule: Schedule, after: float, count: int) -> list[float]:
    """The next ``count`` due times after ``after`` (fewer if the expression runs out)."""
    found: list[float] = []
    moment: float | None = after
    while moment is not None and len(found) < count:
        moment = next_due(schedule, moment)
        if moment is not None:
            found.append(moment)
    return found


def count_due(schedule: Schedule, first: float, last: float) -> int:
    """How many due times lie in ``[first, last]`` (``first`` being one), up to COUNT_CAP."""
    count, moment = 1, first
    while count < COUNT_CAP:
        following = next_due(schedule, moment)
        if following is None or following > last:
            break
        count, moment = count + 1, following
    return count


def _stamp(moment: float, schedule: Schedule) -> str:
    return _local(moment, schedule.zone).isoformat(timespec="seconds")


def decide(schedule: Schedule, handled: float | None, now: float, since: float) -> Decision | None:
    """What to do at ``now`` about the due times after ``handled`` (the latest one logged), or
    None when none has come. Without a logged due time, due times before ``since`` (when the
    scheduler started) are not missed: they were never the scheduler's to run."""
    first = next_due(schedule, handled if handled is not None else since)
    if first is None or first > now:
        return None
    latest = prev_due(schedule, now)
    if latest is None or latest < first:  # cannot happen for a consistent expression
        latest = first
    count = count_due(schedule, first, latest)
    many = f"{count}{'+' if count >= COUNT_CAP else ''}"
    late = now - latest
    span = (
        f"{many} due times from {_stamp(first, schedule)} to {_stamp(latest, schedule)}"
        if count > 1
        else f"due time {_stamp(latest, schedule)}"
    )
    if not in_window(schedule, now):
        return Decision(None, latest, count, f"{span}: the scan window {schedule.window} closed")
    on_time = late <= ON_TIME
    if on_time or (schedule.catch_up == "once" and late <= schedule.catch_up_seconds):
        earlier = prev_due(schedule, latest - 1) if count > 1 else None
        note = "" if on_time else f"caught up {late:.0f} s late (catch_up: once)"
        if earlier is None or earlier < first:
            return Decision(latest, None, 0, note)
        missed = f"{count - 1} due times from {_stamp(first, schedule)} to "
        missed += f"{_stamp(earlier, schedule)} missed; the latest one ran"
        return Decision(latest, earlier, count - 1, f"{note}; {missed}" if note else missed)
    why = (
        "catch_up: skip"
        if schedule.catch_up == "skip"
        else f"more than catch_up_within ({schedule.catch_up_within}) late"
    )
    return Decision(None, latest, count, f"{span} missed ({late:.0f} s late; {why})")


def schedule_problem(schedule: Schedule, now: float) -> str | None:
    """Why ``schedule`` would never run (no due time inside its window in a year), or None."""
    if next_due(schedule, now) is None:
        where = f" inside the window {schedule.window}" if schedule.window else ""
        return (
            f"the cron expression {schedule.cron!r} has no due time{where} in the coming year. "
            "Fix: correct the expression or widen the window"
        )
    return None
