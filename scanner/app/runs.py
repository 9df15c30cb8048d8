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
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
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
)
from scanner.core.text import one_line
from scanner.discovery.identify import identify_all
from scanner.discovery.nmap import discover
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
        """The plan is made: ``jobs`` checks will run."""

    def attempts(self, batch: Sequence[Attempt]) -> None:
        """A batch of attempts finished."""

    def finished(self) -> None:
        """The run ended (completed, failed or interrupted)."""


class NullObserver:
    """An observer that shows nothing."""

    def started(self, run_id: int, jobs: int) -> None:
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


class _Stopped(Exception):
    """``stop`` asked the run to start no more checks (a scan window closed, a signal)."""


def start_run(
    run: CompiledRun,
    store: Store,
    *,
    observer: Observer | None = None,
    stop: Stop | None = None,
    dispatch: Dispatch | None = None,
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
    return _carry_out(run, store, run_id, False, observer, stop, dispatch)


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
) -> RunResult:
    """Finish the unfinished run ``run_id`` (same inventory and profile as ``run``): its stored
    discovery and attempts are kept, only the attempts it lacks are run, and a restricted
    rescan resumes as one."""
    only = store.runs.restricted_to(run_id)
    if only is not None:
        run = run.restricted_to(only)
    _reopen(store, run_id, run.profile_name, run.sha256)
    return _carry_out(run, store, run_id, True, observer, stop, dispatch)


def _carry_out(
    run: CompiledRun,
    store: Store,
    run_id: int,
    resumed: bool,
    observer: Observer | None,
    stop: Stop | None,
    dispatch: Dispatch | None,
) -> RunResult:
    """The stages of run ``run_id``, each fed by the one before; the run's end is stored
    whatever happens, and a completed run is reconciled."""
    observer = observer or NullObserver()
    refusals = RefusalLog()  # stored with each batch of attempts, the rest at the end
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
    result = RunResult(run_id=run_id, status=RunStatus.RUNNING)
    started = time.monotonic()
    full: BaseException | None = None
    try:
        discovered = _discovery(run, store, run_id, services, refusals, resumed=resumed)
        plan = build_plan(run, discovered)
        if resumed:
            plan = plan.without(store.attempts.keys(run_id))
        observer.started(run_id, len(plan.jobs) + len(plan.decided) + len(discovered.skipped))

        tally = _Tally(result, observer, stop)
        if discovered.skipped:  # stored and counted like the plan's decided attempts
            tally.record(store, discovered.skipped, refusals)

        def run_jobs(jobs: Sequence[Job]) -> None:
            if dispatch is None:
                execute_jobs(
                    store,
                    run_id,
                    services,
                    run.limits,
                    jobs,
                    tally.observe,
                    refusals=refusals,
                    stop=stop,
                )
            else:  # workers store the attempts; this process only watches them arrive
                dispatch(run_id, jobs, tally.observe)

        _execute(run_jobs, plan, lambda batch: tally.record(store, batch, refusals), result, stop)
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
    result.tracking = reconcile_pending(store).get(run_id) or reconcile(store, run_id)
    return result


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

    def observe(self, batch: Sequence[Attempt]) -> None:
        counts = self.result.counts
        for attempt in batch:
            counts[attempt.status.value] = counts.get(attempt.status.value, 0) + 1
        self.observer.attempts(batch)
        if self.stop is not None and (why := self.stop()):
            raise _Stopped(why)

    def record(self, store: Store, batch: Sequence[Attempt], refusals: RefusalLog) -> None:
        store.attempts.record(self.result.run_id, batch, refusals.take())
        self.observe(batch)


def _execute(
    run_jobs: Callable[[Sequence[Job]], None],
    plan: Plan,
    record: Callable[[Sequence[Attempt]], None],
    result: RunResult,
    stop: Callable[[], str | None] | None = None,
) -> None:
    """Record the decided attempts and run the jobs; a stop request ends the run interrupted."""
    try:
        record(plan.decided)
        run_jobs(plan.jobs)
        if sum(result.counts.values()) < len(plan.jobs) + len(plan.decided):
            # stop came before the first batch: the executor started nothing, raised nothing
            raise _Stopped((stop() if stop is not None else None) or "the run was stopped")
        result.status = RunStatus.COMPLETED
    except _Stopped as exc:
        left = len(plan.jobs) + len(plan.decided) - sum(result.counts.values())
        result.status = RunStatus.INTERRUPTED
        result.note = f"{exc}: {left} checks not run; finish with --resume {result.run_id}"


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


def _discovery(
    run: CompiledRun,
    store: Store,
    run_id: int,
    services: RunServices,
    refusals: RefusalLog,
    *,
    resumed: bool,
) -> Discovered:
    """A resumed run's stored discovery, or a new discovery."""
    if not run.remote or (resumed and store.attempts.discovery(run_id)):
        return stored_discovery(run, store, run_id)
    return _discover(run, store, run_id, services, refusals)


def stored_discovery(run: CompiledRun, store: Store, run_id: int) -> Discovered:
    """Run ``run_id``'s discovery as stored (none for a run without remote checks): what a
    resumed run plans from, and a worker checking a task against the run's plan."""
    if not run.remote:
        return Discovered({}, run.addresses)
    scans = store.attempts.discovery(run_id)
    return Discovered(scans, _live_addresses(run, scans))


def _discover(
    run: CompiledRun, store: Store, run_id: int, services: RunServices, refusals: RefusalLog
) -> Discovered:
    """Scan the run's hosts and ranges with nmap, identify their services, store both (with the
    scope guard's refusals meanwhile)."""
    inv = run.inv
    guard = services.guard
    hosts = sorted(
        {
            addr
            for key, addrs in run.addresses.items()
            if run.kinds[key] in (AssetKind.HOST, AssetKind.ONSITE)
            for addr in addrs
        }
    )
    networks = sorted(
        {
            addr
            for key, addrs in run.addresses.items()
            if run.kinds[key] == AssetKind.NETWORK
            for addr in addrs
        }
    )
    for target in [*hosts, *networks]:  # the guard records nmap's targets like any other action
        if "/" in target:
            if guard.network_problem(target):
                raise UserError(f"refusing to scan {target}: out of scope")
        else:
            guard.resolve(target)

    def in_scope(address: str) -> bool:
        return guard.address_problem(address) is None

    scans = discover(
        hosts,
        networks,
        run.profile,
        timeout=inv.model.rate_limits.discovery_timeout,
        exclude=guard.denied_networks(),
        in_scope=in_scope,
        ot=_ot_addresses(run, run.addresses),
        ot_rate=inv.model.rate_limits.ot_packets_per_second,
    )
    addresses = _live_addresses(run, scans)
    scans, tarpits = _cap_services(run, scans, addresses)
    found = identify_all(
        [svc for s in scans.values() for svc in s.services],
        services,
        ot=_ot_addresses(run, addresses),
        workers=inv.model.rate_limits.workers,
    )
    by_address: dict[str, list[Service]] = {}
    for svc in found:
        by_address.setdefault(svc.address, []).append(svc)
    scans = {a: replace(s, services=tuple(by_address.get(a, ()))) for a, s in scans.items()}
    answered = {a: s.answered for a, s in scans.items()}
    store.attempts.record_discovery(run_id, answered, found, refusals.take())
    return Discovered(scans, addresses, tuple(tarpits))


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
) -> RunResult:
    """``scanner run``: load and compile the inventory at ``inventory``, then a new run of
    ``profile``, or the unfinished run ``resume`` finished. ``dispatch`` makes the dispatch of a
    distributed run from the store (it reaches the broker first; workers load their own check
    folders, so none are sent)."""
    inv = load_inventory(inventory)
    dirs = checks_dirs(extra_dirs)
    sent = dispatch(store) if dispatch is not None else None
    # A resumed run connects where it did before: its names as it resolved them.
    resolved = store.runs.resolutions(resume) if resume is not None else None
    run = compile_run(inv, profile, extra_dirs=dirs, resolved=resolved)
    if resume is not None:
        return resume_run(run, store, resume, observer=observer, dispatch=sent)
    return start_run(run, store, observer=observer, dispatch=sent)
