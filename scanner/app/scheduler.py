"""The long-running scheduler behind ``scanner schedule run``.

It starts each scheduled profile's runs at their due times (:mod:`scanner.schedule.due` says when),
and with ``verify_at_deadline`` rescans each notice of the profile's runs once its items'
deadline has passed (:func:`scanner.app.verify.verify_notice`); it also runs the verification
rescans queued from the web application for the campaign's notices
(:func:`scanner.app.review.run_queued`). Every due time it handles is logged
to stderr and to ``schedule_events``: started and ended, missed or skipped with the reason.

Several schedulers may share one store (on one machine or several): a due time is run by the
one whose claim in ``schedule_events`` succeeds, and a profile's runs hold its lock in ``locks``
for as long as they go, so two runs of one profile never overlap. One scheduler runs one run at a
time; a due time that comes meanwhile is late, and its schedule's catch-up policy decides.

SIGTERM or SIGINT: between runs the scheduler exits at once. During a run's checks it starts no
new check, lets those in flight end, marks the run ``interrupted`` (``scanner run --resume``
finishes it) and exits; before the checks (preflight, discovery) or at a second signal the run is
interrupted at once.
"""

from __future__ import annotations

import hashlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from scanner.app.compile import compile_run
from scanner.app.review import run_queued
from scanner.app.runs import start_run
from scanner.app.verify import verify_notice
from scanner.core.errors import UserError
from scanner.core.models import Attempt
from scanner.core.text import one_line
from scanner.engine.compiled import load_registry
from scanner.inventory.schema import LoadedInventory, Schedule
from scanner.inventory.yamlsource import Loc, dotted
from scanner.schedule.due import decide, in_window, next_due, schedule_problem, window_close
from scanner.store import Store, StoreError, locks

log = logging.getLogger("scanner.schedule.due")

#: Longest sleep between two looks at the clock and the store.
MAX_SLEEP = 30.0
#: How soon to try again for a profile whose lock another scheduler holds.
LOCK_RETRY = 2.0
#: How often to look for notices whose deadline has passed.
DEADLINE_POLL = 60.0
#: How often to look for verification rescans queued from the web application.
QUEUE_POLL = 10.0


@dataclass(frozen=True)
class Scheduled:
    """A profile with a schedule, and the name its due times and lock have in the store."""

    profile: str
    schedule: Schedule
    name: str
    loc: Loc


def schedule_name(campaign: str, profile: str) -> str:
    """``campaign/profile``: the schedule's key in the store (a hash if it would be too long)."""
    name = f"{campaign}/{profile}"
    if len(name) <= 200:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    return f"{campaign[:80]}~{digest}/{profile[:100]}"


def scheduled_profiles(inv: LoadedInventory) -> list[Scheduled]:
    """The inventory's profiles that have a schedule, in the order written."""
    campaign = inv.model.campaign.name
    return [
        Scheduled(name, p.schedule, schedule_name(campaign, name), ("profiles", name, "schedule"))
        for name, p in inv.model.profiles.items()
        if p.schedule is not None
    ]


def schedule_problems(inv: LoadedInventory, now: float) -> list[str]:
    """``file:line: field: problem. Fix: ...`` for every schedule that would never run."""
    problems = []
    for item in scheduled_profiles(inv):
        problem = schedule_problem(item.schedule, now)
        if problem:
            loc = (*item.loc, "cron")
            problems.append(f"  {inv.where(loc)}: {dotted(loc)}: {problem}.")
    return problems


class _Watch:
    """The runner's observer for one scheduled run: learns its id and when its checks start."""

    def __init__(self, on_run_id: Callable[[int], None], graceful: bool) -> None:
        self.on_run_id = on_run_id
        self.run_id: int | None = None
        self.executing = False
        self.graceful = graceful  # the run can stop between checks (it was given ``stop``)

    def started(self, run_id: int, jobs: int) -> None:
        """The plan is made; checks start now."""
        self.run_id, self.executing = run_id, True
        self.on_run_id(run_id)
        log.info("run %d: %d checks planned", run_id, jobs)

    def planned(self, jobs: int) -> None:
        """More checks planned (a host's discovery ended): nothing to log."""

    def attempts(self, batch: Sequence[Attempt]) -> None:
        """Nothing to show per batch."""

    def finished(self) -> None:
        """Nothing to show: the scheduler logs the end."""


class Scheduler:
    """Starts the inventory's scheduled runs on time, one at a time, until told to stop."""

    def __init__(
        self,
        inv: LoadedInventory,
        store: Store,
        *,
        extra_dirs: Iterable[Path] = (),
        clock: Callable[[], float] = time.time,
        holder: str | None = None,
        max_runs: int | None = None,
        until: float | None = None,
        lock_ttl: float = locks.TTL,
    ) -> None:
        self.inv, self.store, self.clock = inv, store, clock
        self.extra_dirs = list(extra_dirs)
        self.holder = holder or locks.new_holder()
        self.max_runs, self.until, self.lock_ttl = max_runs, until, lock_ttl
        self.scheduled = scheduled_profiles(inv)
        self.since = clock()  # due times before this were never ours to run
        self.runs = 0
        self.stopping: str | None = None
        self._wake = threading.Event()
        self._watch: _Watch | None = None
        self._lock_lost = False
        self._waiting: dict[str, str] = {}
        self._deadlines_at = 0.0
        self._queue_at = 0.0

    # -- the loop ----------------------------------------------------------------------------
    def run_forever(self) -> None:
        """Handle due times until a signal, ``max_runs`` or ``until``; then return."""
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, self._on_signal)
        log.info(
            "scheduler %s: %d scheduled profiles (%s)",
            self.holder,
            len(self.scheduled),
            ", ".join(s.profile for s in self.scheduled),
        )
        try:
            while not self.done():
                try:
                    wait = self.tick()
                except StoreError as exc:  # the store went away: retry, do not die
                    log.error("store error: %s; retrying in %.0f s", one_line(str(exc)), MAX_SLEEP)
                    wait = MAX_SLEEP
                self._sleep(wait)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        log.info("scheduler %s: stopping after %d runs", self.holder, self.runs)

    def done(self) -> bool:
        """True once the scheduler should start nothing more."""
        if self.stopping is not None:
            return True
        if self.max_runs is not None and self.runs >= self.max_runs:
            return True
        return self.until is not None and self.clock() >= self.until

    def _sleep(self, seconds: float) -> None:
        if self.until is not None:
            seconds = min(seconds, self.until - self.clock())
        if seconds > 0 and not self.done():
            self._wake.clear()
            self._wake.wait(min(seconds, MAX_SLEEP))

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        watch = self._watch
        if self.stopping is not None or (
            watch is not None and not (watch.graceful and watch.executing)
        ):
            # A second signal, or a run still in preflight or discovery (redone on resume
            # anyway): stop now. The runner marks the run interrupted.
            self.stopping = self.stopping or name
            raise KeyboardInterrupt
        self.stopping = name
        if watch is not None:
            log.warning("%s: starting no new checks; stopping when those in flight end", name)
        self._wake.set()

    def tick(self) -> float:
        """Handle whatever is due now; the seconds until the next look."""
        wake = self.clock() + MAX_SLEEP
        for item in self.scheduled:
            if self.done():
                break
            wake = min(wake, self._cron(item))
            if item.schedule.verify_at_deadline and not self.done():
                wake = min(wake, self._deadlines(item))
        if not self.done():
            wake = min(wake, self._queued())
        return max(0.0, wake - self.clock())

    def _queued(self) -> float:
        """Run one verification rescan queued from the web for this campaign's notices (the web
        process never scans); when to look again."""
        now = self.clock()
        if now < self._queue_at:
            return self._queue_at
        done = run_queued(
            self.store,
            None,
            limit=1,
            inventory=self.inv.path,
            campaign=self.inv.model.campaign.name,
        )
        for request in done:
            log.info("rescan request %d: %s %s", request.id, request.status, one_line(request.note))
        self._queue_at = self.clock() + (0.0 if done else QUEUE_POLL)
        return self._queue_at

    # -- cron due times ----------------------------------------------------------------------
    def _cron(self, item: Scheduled) -> float:
        """Run or log what is due for ``item``; when to look at it again."""
        now = self.clock()
        handled = self.store.schedules.latest_due(item.name)
        decision = decide(item.schedule, handled, now, self.since)
        if decision is None:
            upcoming = next_due(item.schedule, max(now, handled or self.since))
            return upcoming if upcoming is not None else now + MAX_SLEEP
        if not self._lock(item.name):
            return now + LOCK_RETRY
        try:
            # Decide again under the lock: another scheduler may have handled it meanwhile.
            decision = decide(
                item.schedule, self.store.schedules.latest_due(item.name), now, self.since
            )
            if decision is not None and decision.run is not None:
                event = self.store.schedules.claim(item.name, decision.run, self.clock())
                if event is not None:
                    self._record_missed(item, decision.missed_at, decision.note)
                    with self._heartbeat(item.name):
                        self._run(item, decision.run, event, decision.note)
            elif decision is not None and decision.missed_at is not None:
                self._record_missed(item, decision.missed_at, decision.note)
        finally:
            self.store.locks.release(item.name, self.holder)
        return self.clock()  # look again: more may have come while this ran

    def _record_missed(self, item: Scheduled, due: float | None, note: str) -> None:
        if due is not None and self.store.schedules.record(item.name, due, "missed", note):
            log.warning("%s: %s", item.name, note)

    def _lock(self, name: str) -> bool:
        if self.store.locks.acquire(name, self.holder, self.lock_ttl, now=self.clock()):
            self._waiting.pop(name, None)
            self._lock_lost = False
            return True
        holder = self.store.locks.holder_of(name) or "?"
        if self._waiting.get(name) != holder:
            log.info("%s: a run is going under %s; waiting for it", name, holder)
            self._waiting[name] = holder
        return False

    def _heartbeat(self, name: str) -> locks.Heartbeat:
        def lost() -> None:
            self._lock_lost = True
            log.error("%s: the lock was taken over; starting no new checks", name)

        return locks.Heartbeat(self.store, name, self.holder, self.lock_ttl, on_lost=lost)

    def _stop_reason(self, schedule: Schedule, closes: float | None) -> str | None:
        if self.stopping is not None:
            return f"the scheduler received {self.stopping}"
        if self._lock_lost:
            return "the schedule's lock was taken over"
        if closes is not None and self.clock() >= closes:
            return f"the scan window {schedule.window} closed"
        return None

    def _run(self, item: Scheduled, due: float, event: int, note: str) -> None:
        start = self.clock()
        log.info(
            "%s: start (due %s, %+.3f s)%s",
            item.name,
            _utc(due),
            start - due,
            f"; {note}" if note else "",
        )
        closes = window_close(item.schedule, start)
        watch = _Watch(lambda run_id: self.store.schedules.set_run(event, run_id), True)
        outcome, why, run_id = "failed", "", None
        self._watch = watch
        try:
            result = start_run(
                compile_run(self.inv, item.profile, extra_dirs=self.extra_dirs),
                self.store,
                observer=watch,
                stop=lambda: self._stop_reason(item.schedule, closes),
            )
            outcome, why, run_id = result.status, result.note, result.run_id
        except UserError as exc:  # preflight: authorization expired, scope, files...
            why = one_line(str(exc), 2000)
        except KeyboardInterrupt:
            outcome = "interrupted"
            run_id = watch.run_id or self._run_since(item.profile, start)
            why = f"the scheduler received {self.stopping or 'a signal'}"
        except Exception as exc:
            log.exception("%s: the run failed", item.name)
            why = one_line(f"{type(exc).__name__}: {exc}", 2000)
        finally:
            self._watch = None
        self._ended(item.name, event, outcome, why, run_id, item.profile)

    def _ended(
        self, name: str, event: int, outcome: str, why: str, run_id: int | None, profile: str
    ) -> None:
        self.runs += 1
        if outcome == "interrupted" and run_id is not None and "--resume" not in why:
            why += f"; finish with `scanner run {self.inv.path} --profile {profile} "
            why += f"--resume {run_id}`"
        self.store.schedules.finish(event, outcome, why, run_id, now=self.clock())
        level = logging.INFO if outcome == "completed" else logging.WARNING
        log.log(
            level,
            "%s: end: run %s %s%s",
            name,
            run_id if run_id is not None else "-",
            outcome,
            f" ({why})" if why else "",
        )

    def _run_since(self, profile: str, start: float) -> int | None:
        """The run of ``profile`` this scheduler created after ``start`` (before it was told)."""
        return self.store.runs.latest_since(profile, start - 1)

    # -- notice deadlines --------------------------------------------------------------------
    def _deadlines(self, item: Scheduled) -> float:
        """Verify the notices whose deadline passed; when to look again."""
        now = self.clock()
        if now < self._deadlines_at or not in_window(item.schedule, now):
            return max(self._deadlines_at, now + MAX_SLEEP)
        self._deadlines_at = now + DEADLINE_POLL
        for number, deadlines in notice_deadlines(self.store, self.inv, item.profile, now):
            if self.done():
                break
            name = f"verify:{number}"
            done = self.store.schedules.handled(name)
            latest = max(deadlines)
            if latest in done or not self._lock(item.name):
                continue
            try:
                event = self.store.schedules.claim(name, latest, self.clock())
                if event is None:
                    continue
                for earlier in sorted(set(deadlines) - done - {latest}):
                    self.store.schedules.record(
                        name, earlier, "skipped", f"covered by {_utc(latest)}"
                    )
                with self._heartbeat(item.name):
                    self._verify(name, number, latest, event, item.profile)
            finally:
                self.store.locks.release(item.name, self.holder)
        return self._deadlines_at

    def _verify(self, name: str, number: str, deadline: float, event: int, profile: str) -> None:
        log.info("%s: start: notice %s, deadline %s passed", name, number, _utc(deadline))
        watch = _Watch(lambda run_id: self.store.schedules.set_run(event, run_id), False)
        outcome, why, run_id = "failed", "", None
        self._watch = watch
        try:
            registry = load_registry(self.inv, self.extra_dirs)
            found = verify_notice(
                self.store, number, registry, inventory=self.inv.path, observer=watch
            )
            run_id, outcome = found.run.run_id, found.run.status
            why = f"notice {number}: {found.notice.status}"
        except UserError as exc:  # rectified meanwhile, no open items, preflight
            outcome, why = "skipped", one_line(str(exc), 2000)
        except KeyboardInterrupt:
            outcome, run_id = "interrupted", watch.run_id
            why = f"the scheduler received {self.stopping or 'a signal'}"
        except Exception as exc:
            log.exception("%s: the verification failed", name)
            why = one_line(f"{type(exc).__name__}: {exc}", 2000)
        finally:
            self._watch = None
        self._ended(name, event, outcome, why, run_id, profile)


def notice_deadlines(
    store: Store, inv: LoadedInventory, profile: str, now: float
) -> list[tuple[str, list[float]]]:
    """Per notice (of runs of ``profile`` in this campaign): the deadlines of its open items
    that have passed by ``now``. An issue is on one notice only (a later round's notice holds
    only new items), so each such notice is verified, oldest first."""
    passed: dict[int, tuple[str, list[float]]] = {}
    for item in store.notices.passed_deadlines(inv.model.campaign.name, profile, now):
        passed.setdefault(item.notice_id, (item.number, []))[1].append(item.deadline)
    return [passed[notice_id] for notice_id in sorted(passed)]


def _utc(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
