"""A run from start to end: discovery, plan, execution, storage, reconciliation.

A run reads a :class:`~scanner.engine.compiled.CompiledRun` (the inventory after preflight,
:func:`scanner.app.compile.compile_run`) and each stage hands the next its output:
``compiled run -> discovery (Discovered) -> plan (Plan) -> execution and storage (attempts) ->
reconciliation (issues)``. Three entry points: :func:`start_run` (a new run), :func:`rescan` (a
new run restricted to some (entity, asset, check) triples: a verification rescan) and
:func:`resume_run` (finish an unfinished run, keeping its restriction).
"""

from __future__ import annotations

import ipaddress
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from scanner import __version__
from scanner.app.compile import checks_dirs, compile_run
from scanner.app.hostkeys import load_pins
from scanner.core.errors import UserError
from scanner.core.lifecycle import RunStatus
from scanner.core.models import (
    AssetKind,
    Attempt,
    AttemptStatus,
    HostScan,
    Mode,
    Refusal,
    Service,
    ServiceTarget,
    UrlTarget,
)
from scanner.core.text import one_line
from scanner.core.timings import Timings
from scanner.discovery.identify import identify, identify_all
from scanner.discovery.nmap import discover_batches, port_names
from scanner.engine.compiled import AssetKey, CompiledRun, Discovered, Triple
from scanner.engine.context import RunServices
from scanner.engine.jobs import Dispatch, execute_jobs, run_services, stored_resolver
from scanner.engine.plan import Job, Plan, build_plan
from scanner.engine.refusals import RefusalLog
from scanner.inventory.schema import load_inventory
from scanner.store import Store, StoreError, disk_full
from scanner.tracking.issues import ReconcileReport, reconcile, reconcile_pending

#: Asked after each batch of attempts: a reason stops the run (a scan window closed, a signal).
Stop = Callable[[], str | None]


class Observer(Protocol):
    """Receives progress of a run (the terminal display subscribes; the store is written anyway)."""

    def started(self, run_id: int, jobs: int) -> None:
        """The plan's first part is made: ``jobs`` checks will run (more may follow)."""

    def planned(self, jobs: int) -> None:
        """``jobs`` more checks were planned (a host's discovery ended)."""

    def attempts(self, batch: Sequence[Attempt]) -> None:
        """A batch of attempts finished."""

    def finished(self) -> None:
        """The run ended (completed, failed or interrupted)."""


class NullObserver:
    """An observer that shows nothing."""

    def started(self, run_id: int, jobs: int) -> None:
        """Nothing to show."""

    def planned(self, jobs: int) -> None:
        """Nothing to show."""

    def attempts(self, batch: Sequence[Attempt]) -> None:
        """Nothing to show."""

    def finished(self) -> None:
        """Nothing to show."""


@dataclass
class RunResult:
    """The outcome of a run, as counted while it went."""

    run_id: int
    status: str
    counts: dict[str, int] = field(default_factory=dict)
    refusals: list[Refusal] = field(default_factory=list)
    seconds: float = 0.0
    http_requests: int = 0
    tracking: ReconcileReport | None = None
    note: str = ""  # why an interrupted run stopped (stored with the run)
    timings: Timings | None = None  # where the time went, phase by phase


class _Stopped(Exception):
    """``stop`` asked the run to start no more checks (a scan window closed, a signal)."""


def start_run(
    run: CompiledRun,
    store: Store,
    *,
    observer: Observer | None = None,
    stop: Stop | None = None,
    dispatch: Dispatch | None = None,
    timings: Timings | None = None,
) -> RunResult:
    """A new run of ``run`` (kept to ``run.only`` when restricted), stored as it goes, its issues
    reconciled when it completes.

    ``stop`` is asked after each batch: a reason ends the run ``interrupted``, its checks not yet
    recorded left for :func:`resume_run`, and not reconciled until it completes. With
    ``dispatch`` (:mod:`scanner.distributed`), the jobs run on workers instead of this process's
    thread pool; everything else is the same.
    """
    run_id = store.runs.create(
        run.inv.model.campaign.name,
        run.profile_name,
        str(run.inv.path.resolve()),  # workers resolve its check folders and key files by it
        run.sha256,
        __version__,
        inventory_text=run.inv.source.text,
        restricted_to=set(run.only) if run.only is not None else None,
    )
    return _carry_out(run, store, run_id, False, observer, stop, dispatch, timings)


def rescan(
    run: CompiledRun,
    store: Store,
    only: Iterable[Triple],
    *,
    observer: Observer | None = None,
    stop: Stop | None = None,
    dispatch: Dispatch | None = None,
) -> RunResult:
    """A new run of just the (entity id, asset id, check id) triples ``only`` (a verification
    rescan); the restriction is kept with the run, so that resuming it keeps to them."""
    return start_run(
        run.restricted_to(only), store, observer=observer, stop=stop, dispatch=dispatch
    )


def resume_run(
    run: CompiledRun,
    store: Store,
    run_id: int,
    *,
    observer: Observer | None = None,
    stop: Stop | None = None,
    dispatch: Dispatch | None = None,
    timings: Timings | None = None,
) -> RunResult:
    """Finish the unfinished run ``run_id`` (same inventory and profile as ``run``): its stored
    discovery and attempts are kept, only the attempts it lacks are run, and a restricted
    rescan resumes as one."""
    only = store.runs.restricted_to(run_id)
    if only is not None:
        run = run.restricted_to(only)
    _reopen(store, run_id, run.profile_name, run.sha256)
    return _carry_out(run, store, run_id, True, observer, stop, dispatch, timings)


def _carry_out(
    run: CompiledRun,
    store: Store,
    run_id: int,
    resumed: bool,
    observer: Observer | None,
    stop: Stop | None,
    dispatch: Dispatch | None,
    timings: Timings | None = None,
) -> RunResult:
    """The stages of run ``run_id`` as a pipeline: what needs no port scan (URL and checklist
    assets, on-site audits) starts at once, and each host's remote checks as soon as its own
    discovery and identification are done. The run's end is stored whatever happens, and a
    completed run is reconciled."""
    observer = observer or NullObserver()
    timings = timings or Timings()
    refusals = RefusalLog()  # stored with each batch of attempts, the rest at the end
    services = _services(run, store, run_id, refusals, resumed)
    result = RunResult(run_id=run_id, status=RunStatus.RUNNING, timings=timings)
    started = time.monotonic()
    full: BaseException | None = None
    feed: _DiscoveryFeed | None = None
    try:
        tally = _Tally(result, observer, stop, timings)
        pipeline = _pipeline(run, store, run_id, resumed, tally, refusals, services, dispatch)
        feed = pipeline.feed
        pipeline.begin(observer, dispatch is not None)

        def run_jobs(jobs: Sequence[Job]) -> None:
            if dispatch is None:
                with timings.span("checks"):
                    execute_jobs(
                        store,
                        run_id,
                        services,
                        run.limits,
                        jobs,
                        tally.observe,
                        refusals=refusals,
                        stop=stop,
                        more=pipeline.more if pipeline.feed is not None else None,
                    )
            else:  # workers store the attempts; this process only watches them arrive
                with timings.span("checks"):
                    dispatch(run_id, jobs, tally.observe)

        _execute(run_jobs, pipeline, result, stop)
    except KeyboardInterrupt:
        result.status = RunStatus.INTERRUPTED
        raise
    except StoreError as exc:
        result.status = RunStatus.FAILED
        if not disk_full(exc):
            raise
        full = exc
    except BaseException:
        result.status = RunStatus.FAILED
        raise
    finally:
        if feed is not None:
            feed.close()
        result.refusals = refusals.history
        result.seconds = time.monotonic() - started
        result.http_requests = services.http_requests_sent()
        services.close()
        full = _end(store, result, refusals) or full
        observer.finished()
    if full is not None:
        raise _disk_full(run, run_id, full)
    if result.status != RunStatus.COMPLETED:
        return result
    with timings.span("reconciliation"):
        result.tracking = reconcile_pending(store).get(run_id) or reconcile(store, run_id)
    return result


def _services(
    run: CompiledRun, store: Store, run_id: int, refusals: RefusalLog, resumed: bool
) -> RunServices:
    """The run's shared services: the host keys pinned earlier, the feeds as imported before
    the run, its names as it resolved them, the logins a resumed run sent already."""
    # One resolution per name per run: preflight's answers are kept with the run (a resumed
    # run's earlier ones win), and any name resolved later is kept for its workers too.
    resolved = store.runs.keep_resolutions(run_id, run.resolutions)
    services = run_services(  # pins approved earlier
        run.inv,
        load_pins(store),
        refusals,
        resolved={**store.runs.resolutions(run_id), **resolved},
        resolver=stored_resolver(store, run_id),
        feeds=store.feeds,
        onsite_audit=not run.profile.modes or Mode.ONSITE in run.profile.modes,
    )
    if resumed:  # logins sent before the interruption count against the same budgets
        services.ledger.seed(tuple(r.tries for r in store.attempts.credential_tries(run_id)))
    return services


def _pipeline(
    run: CompiledRun,
    store: Store,
    run_id: int,
    resumed: bool,
    tally: _Tally,
    refusals: RefusalLog,
    services: RunServices,
    dispatch: Dispatch | None,
) -> _Pipeline:
    """The run's pipeline: without discovery when a resumed run's is stored (or none is
    needed), else with discovery started on its own thread."""
    done = store.attempts.keys(run_id) if resumed else set()
    if not run.remote or (resumed and store.attempts.discovery(run_id)):
        return _Pipeline(run, store, run_id, tally, refusals, done, None)
    assert tally.timings is not None
    feed = _DiscoveryFeed(run, services, tally.timings)
    feed.start()
    return _Pipeline(run, store, run_id, tally, refusals, done, feed)


def _end(store: Store, result: RunResult, refusals: RefusalLog) -> BaseException | None:
    """Store the run's last refusals and its end; the error when the store's disk is full (the
    run then stays "running" in the store: resumable as it is)."""
    try:
        store.attempts.record_refusals(result.run_id, refusals.take())  # those no batch carried
        store.runs.finish(result.run_id, result.status, result.note)
    except StoreError as exc:
        if not disk_full(exc):
            raise
        return exc
    return None


def _disk_full(run: CompiledRun, run_id: int, full: BaseException) -> UserError:
    return UserError(
        f"the store's disk is full ({one_line(str(full.__cause__ or full), 200)}): run "
        f"{run_id} stopped. What it stored before is intact (each batch of attempts is one "
        "transaction). Fix: free space where the store lives, then finish the run with "
        f"`scanner run {run.inv.path} --profile {run.profile_name} --resume {run_id}`."
    )


@dataclass
class _Tally:
    """Counts a run's attempts as they are stored, shows them, and asks ``stop`` after each
    batch."""

    result: RunResult
    observer: Observer
    stop: Callable[[], str | None] | None
    timings: Timings | None = None

    def observe(self, batch: Sequence[Attempt]) -> None:
        counts = self.result.counts
        for attempt in batch:
            counts[attempt.status.value] = counts.get(attempt.status.value, 0) + 1
        self.observer.attempts(batch)
        if self.stop is not None and (why := self.stop()):
            raise _Stopped(why)

    def record(self, store: Store, batch: Sequence[Attempt], refusals: RefusalLog) -> None:
        if self.timings is None:
            store.attempts.record(self.result.run_id, batch, refusals.take())
        else:
            with self.timings.span("storage"):
                store.attempts.record(self.result.run_id, batch, refusals.take())
        self.observe(batch)


def _execute(
    run_jobs: Callable[[Sequence[Job]], None],
    pipeline: _Pipeline,
    result: RunResult,
    stop: Callable[[], str | None] | None = None,
) -> None:
    """Record the decided attempts and run the jobs (more arrive from the pipeline while they
    run); a stop request ends the run interrupted."""
    try:
        pipeline.record_first()
        run_jobs(pipeline.first)
        if pipeline.feed is not None and not pipeline.finished:
            raise _Stopped((stop() if stop is not None else None) or "the run was stopped")
        if sum(result.counts.values()) < pipeline.planned:
            # stop came before the first batch: the executor started nothing, raised nothing
            raise _Stopped((stop() if stop is not None else None) or "the run was stopped")
        result.status = RunStatus.COMPLETED
    except _Stopped as exc:
        left = max(0, pipeline.planned - sum(result.counts.values()))
        result.status = RunStatus.INTERRUPTED
        unplanned = "" if pipeline.finished else " (and those of hosts not yet discovered)"
        result.note = (
            f"{exc}: {left} checks not run{unplanned}; finish with --resume {result.run_id}"
        )


def _reopen(store: Store, run_id: int, profile_name: str, sha: str) -> int:
    """Check that run ``run_id`` can be resumed with this inventory and profile, and reopen it."""
    row = store.runs.get(run_id)
    if row.status == RunStatus.COMPLETED:
        raise UserError(
            f"run {run_id} is already complete; there is nothing to resume (its issues are "
            "reconciled by the next run if a crash interrupted that)."
        )
    if row.profile != profile_name:
        raise UserError(
            f"run {run_id} ran profile {row.profile!r}, not {profile_name!r}. Fix: resume it "
            f"with --profile {row.profile}."
        )
    if store.runs.inventory_sha256(run_id) != sha:
        raise UserError(
            f"the inventory changed since run {run_id} started, so its remaining attempts would "
            "not match. Fix: start a new run instead of resuming."
        )
    store.runs.reopen(run_id)
    return run_id


def stored_discovery(run: CompiledRun, store: Store, run_id: int) -> Discovered:
    """Run ``run_id``'s discovery as stored (none for a run without remote checks): what a
    resumed run plans from, and a worker checking a task against the run's plan."""
    if not run.remote:
        return Discovered({}, run.addresses)
    scans = store.attempts.discovery(run_id)
    return Discovered(scans, _live_addresses(run, scans))


def _nmap_targets(run: CompiledRun) -> dict[AssetKey, tuple[str, ...]]:
    """What nmap scans for each asset that needs a port scan: a host's addresses, a range."""
    return {
        key: addrs
        for key, addrs in run.addresses.items()
        if run.kinds[key] in (AssetKind.HOST, AssetKind.ONSITE, AssetKind.NETWORK)
    }


class _DiscoveryFeed:
    """Discovery on a thread of its own: nmap batches (several at once), the tarpit cap, then
    each host's services identified; every host is handed over as soon as its own
    identification is done, every batch once all its hosts are.

    Events on :attr:`events`: ``("service", Service)`` for each port named while nmap still
    scans (see :attr:`early_checks`), ``("host", HostScan)``, ``("batch", targets, tarpit
    attempts)``, then ``None`` at the end, or the exception that ended discovery.
    """

    def __init__(self, run: CompiledRun, services: RunServices, timings: Timings) -> None:
        self.run = run
        self.services = services
        self.timings = timings
        self.events: queue.Queue[tuple[object, ...] | BaseException | None] = queue.Queue()
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._early_lock = threading.Lock()
        self._per_host: dict[str, int] = {}
        #: Ports identified while nmap still scans: (address, port) -> (nmap's name, result).
        self.early: dict[tuple[str, int], tuple[Service, Future[Service]]] = {}
        targets = _nmap_targets(run)
        kinds = run.kinds
        # A service's own checks start as soon as it is named, unless nmap's version detection
        # runs (its product and CPE come only with the scan's end) or nothing is planned then.
        self.early_checks = not run.profile.version_detection
        self.hosts = sorted(
            {a for k, v in targets.items() if kinds[k] != AssetKind.NETWORK for a in v}
        )
        self.networks = sorted(
            {a for k, v in targets.items() if kinds[k] == AssetKind.NETWORK for a in v}
        )
        guard = services.guard
        for target in [*self.hosts, *self.networks]:  # the guard records nmap's targets too
            if "/" in target:
                if guard.network_problem(target):
                    raise UserError(f"refusing to scan {target}: out of scope")
            else:
                guard.resolve(target)

    def start(self) -> None:
        """Start discovering."""
        self._thread = threading.Thread(target=self._work, daemon=True, name="discovery")
        self._thread.start()

    def close(self) -> None:
        """Start no further identification, and wait for the nmap batches in flight (bounded
        by their own deadline)."""
        self._cancel.set()
        if self._thread is not None:
            limit = self.run.inv.model.rate_limits.discovery_timeout * 1.5 + 60
            self._thread.join(timeout=limit)

    def _work(self) -> None:
        try:
            self._discover()
        except BaseException as exc:  # handed to the run's thread, which raises it
            self.events.put(exc)
        else:
            self.events.put(None)

    def _discover(self) -> None:
        run, guard = self.run, self.services.guard
        limits = run.inv.model.rate_limits
        ot = _ot_addresses(run, run.addresses)
        begun = time.monotonic()
        # Ports are identified as nmap finds them (up to the tarpit cap per host), while the
        # scan goes on; a host is handed over once its batch ends and its ports are named.
        with ThreadPoolExecutor(
            max_workers=max(1, limits.workers), thread_name_prefix="identify"
        ) as early:
            batches = discover_batches(
                self.hosts,
                self.networks,
                run.profile,
                timeout=limits.discovery_timeout,
                exclude=guard.denied_networks(),
                in_scope=lambda address: guard.address_problem(address) is None,
                ot=ot,
                ot_rate=limits.ot_packets_per_second,
                on_port=lambda a, p, proto: self._found(early, a, p, proto, ot),
            )
            # Hosts at once, each with its other ports in parallel (IDENTIFY_PER_HOST).
            with ThreadPoolExecutor(
                max_workers=max(1, limits.workers), thread_name_prefix="host"
            ) as pool:
                waiting: list[Future[None]] = []
                for targets, found in batches:
                    self.timings.add("discovery", begun, time.monotonic())
                    if self._cancel.is_set():
                        return
                    scans = {scan.address: scan for scan in found}
                    live = _live_addresses(run, scans)
                    scans, tarpits = _cap_services(run, scans, live)
                    batch = _Batch(self, targets, tuple(tarpits), len(scans))
                    for scan in scans.values():
                        waiting.append(pool.submit(batch.identify, scan, scan.address in ot))
                    if not scans:
                        batch.done()
                for future in waiting:
                    future.result()

    def _found(
        self, pool: ThreadPoolExecutor, address: str, port: int, protocol: str, ot: set[str]
    ) -> None:
        """nmap just found ``address:port`` open: start naming it (not on an ot host, not past
        EARLY_PER_HOST ports of one host, never outside the scope)."""
        guard = self.services.guard
        if protocol != "tcp" or self._cancel.is_set() or address in ot:
            return
        if guard.address_problem(address) is not None:
            return
        cap = min(EARLY_PER_HOST, self.run.inv.model.rate_limits.max_services_per_host)
        with self._early_lock:
            if (address, port) in self.early or self._per_host.get(address, 0) >= cap:
                return
            self._per_host[address] = self._per_host.get(address, 0) + 1
            hint = Service(address, port, "tcp", port_names().get((port, "tcp"), "unknown"))
            future = pool.submit(self._identify_one, hint)
            self.early[(address, port)] = (hint, future)
        if self.early_checks:
            future.add_done_callback(lambda done: self._named_early(hint, done))

    def _named_early(self, hint: Service, done: Future[Service]) -> None:
        """An early identification ended: hand the service over, so that its own checks start
        while nmap still scans the host (the host's other checks wait for its scan)."""
        if self._cancel.is_set() or done.cancelled() or done.exception() is not None:
            return
        got = done.result()
        self.events.put(("service", replace(hint, name=got.name)))

    def _identify_one(self, service: Service) -> Service:
        with self.timings.span("identification"):
            return identify(service, self.services)

    def named(self, service: Service) -> Service | None:
        """``service`` as its early identification named it, or None if it had none."""
        with self._early_lock:
            started = self.early.get((service.address, service.port))
        if started is None or service.protocol != "tcp":
            return None
        hint, future = started
        got = future.result()
        if self.early_checks:  # exactly the service handed over early, whose checks may run
            return replace(service, name=got.name)
        return service if got.name == hint.name else replace(service, name=got.name)

    def identified(self, scan: HostScan) -> None:
        self.events.put(("host", scan))


class _Batch:
    """One nmap batch's hosts being identified; the batch is done when the last one is."""

    def __init__(
        self, feed: _DiscoveryFeed, targets: list[str], tarpits: tuple[Attempt, ...], hosts: int
    ) -> None:
        self.feed = feed
        self.targets = targets
        self.tarpits = tarpits
        self.left = hosts
        self._lock = threading.Lock()

    def identify(self, scan: HostScan, ot: bool) -> None:
        """Identify ``scan``'s services (its ports in parallel), then hand the host over."""
        feed = self.feed
        if not feed._cancel.is_set() and scan.services:
            early = {svc: feed.named(svc) for svc in scan.services}
            rest = [svc for svc, named in early.items() if named is None]
            found: dict[Service, Service] = {}
            if rest:
                with feed.timings.span("identification"):
                    found = dict(
                        zip(
                            rest,
                            identify_all(
                                rest,
                                feed.services,
                                ot={scan.address} if ot else set(),
                                workers=min(len(rest), IDENTIFY_PER_HOST),
                            ),
                            strict=True,
                        )
                    )
            services = tuple(early[svc] or found[svc] for svc in scan.services)
            scan = replace(scan, services=services)
        feed.identified(scan)
        with self._lock:
            self.left -= 1
            last = self.left == 0
        if last:
            self.done()

    def done(self) -> None:
        self.feed.events.put(("batch", self.targets, self.tarpits))


class _Pipeline:
    """The run's side of a pipelined run: takes discovery's hosts as they come, plans the
    assets whose discovery is done, records their decided attempts and hands their jobs to the
    executor (its ``more``); the whole discovery is stored once it ends (a run stopped or
    killed before then discovers again when resumed: its stored attempts are kept)."""

    def __init__(
        self,
        run: CompiledRun,
        store: Store,
        run_id: int,
        tally: _Tally,
        refusals: RefusalLog,
        done: set[str],
        feed: _DiscoveryFeed | None,
    ) -> None:
        self.run, self.store, self.run_id = run, store, run_id
        self.tally, self.refusals, self.done = tally, refusals, done
        self.feed = feed
        self.first: list[Job] = []
        self.first_decided: list[Attempt] = []
        self.planned = 0
        self.finished = feed is None
        self.scans: dict[str, HostScan] = {}
        self.scanned: set[str] = set()  # nmap targets whose batch is done
        self.tarpits: dict[str, Attempt] = {}
        self.waiting = dict(_nmap_targets(run)) if feed is not None else {}
        self.seen: set[str] = set(done)
        self.observer: Observer = NullObserver()
        #: Services named while nmap still scans their host, not planned yet.
        self.named: list[Service] = []

    def begin(self, observer: Observer, dispatched: bool) -> None:
        """Plan the first part: everything from a stored discovery; without one, what needs no
        port scan, or (a distributed run, whose workers plan from the stored discovery) all
        once discovery is over and stored."""
        run = self.run
        if self.feed is None:
            self.start(observer, build_plan(run, stored_discovery(run, self.store, self.run_id)))
        elif dispatched:
            self.drain()
            self.start(observer, build_plan(run, self.discovered()))
        else:
            self.start(observer, build_plan(run, Discovered({}, run.addresses), stage="ready"))

    def start(self, observer: Observer, plan: Plan) -> None:
        """The first part of the plan: everything when discovery is known, else what needs
        no port scan."""
        self.observer = observer
        plan.decided[:0] = list(self.tarpits.values())  # a drained discovery's
        jobs, decided = self._fresh(plan)
        self.first, self.first_decided = jobs, decided
        self.planned = len(jobs) + len(decided)
        observer.started(self.run_id, self.planned)

    def record_first(self) -> None:
        self.tally.record(self.store, self.first_decided, self.refusals)

    def drain(self) -> None:
        """Wait for the whole discovery (a distributed run plans once it is stored)."""
        while not self.finished:
            self._take(block=True)

    def more(self) -> list[Job] | None:
        """The executor's feed: jobs of the assets whose discovery ended since the last call,
        or None once discovery is over and all its jobs were handed over."""
        if self.finished:
            return None
        ready = self._take(block=False)
        early = self._plan_named() if self.named else []
        return early + (self._plan(ready) if ready else [])

    def discovered(self) -> Discovered:
        """The discovery so far, as the plan reads it."""
        return Discovered(
            self.scans, _live_addresses(self.run, self.scans), tuple(self.tarpits.values())
        )

    def _take(self, *, block: bool) -> set[AssetKey]:
        """Apply discovery's events; the assets that became ready."""
        assert self.feed is not None
        ready: set[AssetKey] = set()
        while not self.finished:
            try:
                event = (
                    self.feed.events.get(timeout=0.5) if block else self.feed.events.get_nowait()
                )
            except queue.Empty:
                break
            if isinstance(event, BaseException):
                raise event
            if event is None:
                self._store_discovery()
                self.finished = True
                ready |= set(self.waiting)  # nothing more will come for them
                self.waiting.clear()
                break
            if event[0] == "service":
                service = event[1]
                assert isinstance(service, Service)
                if service.address not in self.scanned:  # else its host's plan has it
                    self.named.append(service)
                continue
            if event[0] == "host":
                scan = event[1]
                assert isinstance(scan, HostScan)
                self.scans[scan.address] = scan
                self.scanned.add(scan.address)
            else:
                targets, tarpits = event[1], event[2]
                assert isinstance(targets, list) and isinstance(tarpits, tuple)
                self.scanned.update(targets)
                for attempt in tarpits:
                    self.tarpits.setdefault(attempt.key, attempt)
            for key, targets_of in list(self.waiting.items()):
                if all(t in self.scanned for t in targets_of):
                    ready.add(key)
                    del self.waiting[key]
            if block:
                break
        return ready

    def _plan(self, ready: set[AssetKey]) -> list[Job]:
        plan = build_plan(self.run, self.discovered(), stage="discovered", assets=ready)
        tarpits = [a for a in self.tarpits.values() if (a.entity_id, a.asset_id) in ready]
        plan.decided[:0] = tarpits
        jobs, decided = self._fresh(plan)
        self.planned += len(jobs) + len(decided)
        self.observer.planned(len(jobs) + len(decided))
        if decided:
            self.tally.record(self.store, decided, self.refusals)
        return jobs

    def _plan_named(self) -> list[Job]:
        """The jobs of the services named while nmap still scans their hosts: each service's
        own checks (those a service or its web site is the target of), exactly as the host's
        plan will have them once its scan ends (which then skips them as planned); nothing
        decided yet (a check that finds no service of its kind is decided with the host), no
        check of the whole host. A range's addresses wait for the sweep."""
        named, self.named = self.named, []
        run = self.run
        jobs: list[Job] = []
        for service in named:
            if service.address in self.scanned:
                continue
            keys = {
                key
                for key, targets in self.waiting.items()
                if service.address in targets and run.kinds[key] != AssetKind.NETWORK
            }
            if not keys:
                continue
            partial = Discovered(
                {service.address: HostScan(service.address, True, (service,))}, run.addresses
            )
            plan = build_plan(run, partial, stage="discovered", assets=keys)
            mine = Plan(
                jobs=[
                    job
                    for job in plan.jobs
                    if isinstance(job.target, ServiceTarget | UrlTarget)
                    and job.target.service == service
                    and job.target.address == service.address
                ]
            )
            fresh, _ = self._fresh(mine)
            jobs += fresh
        if jobs:
            self.planned += len(jobs)
            self.observer.planned(len(jobs))
        return jobs

    def _fresh(self, plan: Plan) -> tuple[list[Job], list[Attempt]]:
        """The plan's jobs and attempts not stored yet (a resumed run's) nor planned before."""
        jobs = [j for j in plan.jobs if j.key not in self.seen]
        decided = [a for a in plan.decided if a.key not in self.seen]
        self.seen.update(j.key for j in jobs)
        self.seen.update(a.key for a in decided)
        return jobs, decided

    def _store_discovery(self) -> None:
        found = [svc for s in self.scans.values() for svc in s.services]
        answered = {a: s.answered for a, s in self.scans.items()}
        self.store.attempts.record_discovery(self.run_id, answered, found, self.refusals.take())


def discover_only(
    run: CompiledRun, services: RunServices, timings: Timings | None = None
) -> dict[str, HostScan]:
    """Discovery and identification alone, exactly as a run does them, with nothing else
    running: what ``bench/pipeline.py`` times against raw nmap. Nothing is stored."""
    feed = _DiscoveryFeed(run, services, timings or Timings())
    feed.start()
    scans: dict[str, HostScan] = {}
    limit = run.inv.model.rate_limits.discovery_timeout * 2 + 60
    try:
        while True:
            event = feed.events.get(timeout=limit)
            if event is None:
                return scans
            if isinstance(event, BaseException):
                raise event
            if event[0] == "host":
                scan = event[1]
                assert isinstance(scan, HostScan)
                scans[scan.address] = scan
    finally:
        feed.close()


#: Ports of one host identified at once.
IDENTIFY_PER_HOST = 16
#: Ports of one host identified while nmap still scans it; the others once its scan ends (a
#: tarpit, whose ports are then not identified at all, costs at most these ports' probes).
EARLY_PER_HOST = 16
TARPIT_CHECK = "discovery.services"  # the attempt that records a host answering on every port


def _cap_services(
    run: CompiledRun,
    scans: Mapping[str, HostScan],
    addresses: Mapping[AssetKey, tuple[str, ...]],
) -> tuple[dict[str, HostScan], list[Attempt]]:
    """Hosts with more open ports than ``rate_limits.max_services_per_host`` lose their services
    (nothing identifies or checks them one by one) and get one skipped attempt per asset that
    says so, with the count: a tarpit would otherwise become 65,535 services."""
    cap = run.inv.model.rate_limits.max_services_per_host
    capped = {a: len(s.services) for a, s in scans.items() if len(s.services) > cap}
    if not capped:
        return dict(scans), []
    attempts = [
        Attempt(
            check_id=TARPIT_CHECK,
            entity_id=entity_id,
            asset_id=asset_id,
            location=address,
            status=AttemptStatus.SKIPPED,
            reason=(
                f"answers on every port: {capped[address]} open ports, not inspected one by one "
                f"(more than rate_limits.max_services_per_host = {cap})"
            ),
            started_at=time.time(),
        )
        for (entity_id, asset_id), addrs in sorted(addresses.items())
        for address in addrs
        if address in capped
    ]
    kept = {a: replace(s, services=()) if a in capped else s for a, s in scans.items()}
    return kept, attempts


def _live_addresses(
    run: CompiledRun, scans: Mapping[str, HostScan]
) -> dict[AssetKey, tuple[str, ...]]:
    """The run's asset addresses, a range's replaced by the live addresses discovery found in
    it."""
    addresses = dict(run.addresses)
    for key in addresses:
        if run.kinds[key] != AssetKind.NETWORK:
            continue
        [value] = run.addresses[key]
        net = ipaddress.ip_network(value, strict=False)
        addresses[key] = tuple(
            sorted(
                (a for a, s in scans.items() if s.answered and ipaddress.ip_address(a) in net),
                key=ipaddress.ip_address,
            )
        )
    return addresses


def _ot_addresses(run: CompiledRun, addresses: Mapping[AssetKey, tuple[str, ...]]) -> set[str]:
    """Addresses (or ranges) of ot assets."""
    return {addr for key in run.ot_assets for addr in addresses.get(key, ())}


def counts_line(counts: dict[str, int]) -> str:
    """``12 pass, 3 fail, 1 error ...`` in a fixed order."""
    return ", ".join(f"{counts.get(s.value, 0)} {s.value}" for s in AttemptStatus)


def run_inventory(
    inventory: Path,
    profile: str,
    store: Store,
    *,
    extra_dirs: Iterable[Path] = (),
    resume: int | None = None,
    observer: Observer | None = None,
    dispatch: Callable[[Store], Dispatch] | None = None,
    timings: Timings | None = None,
) -> RunResult:
    """``scanner run``: load and compile the inventory at ``inventory``, then a new run of
    ``profile``, or the unfinished run ``resume`` finished. ``dispatch`` makes the dispatch of a
    distributed run from the store (it reaches the broker first; workers load their own check
    folders, so none are sent). ``timings`` collects where the time went."""
    timings = timings or Timings()
    with timings.span("preflight"):
        inv = load_inventory(inventory)
        dirs = checks_dirs(extra_dirs)
        sent = dispatch(store) if dispatch is not None else None
        # A resumed run connects where it did before: its names as it resolved them.
        resolved = store.runs.resolutions(resume) if resume is not None else None
        run = compile_run(inv, profile, extra_dirs=dirs, resolved=resolved)
    if resume is not None:
        return resume_run(run, store, resume, observer=observer, dispatch=sent, timings=timings)
    return start_run(run, store, observer=observer, dispatch=sent, timings=timings)
