"""A run from start to end: preflight, discovery, plan, execution, storage.

``inventory -> validate -> scope guard -> discovery -> plan -> execute -> store``. Everything that
can be found wrong without sending a packet (authorization window, scope of every asset,
unresolvable names, unknown check ids, missing key files) is found by :func:`preflight` first.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from scanner import __version__
from scanner.app.hostkeys import load_pins
from scanner.core.errors import UserError
from scanner.core.models import (
    AssetKind,
    Attempt,
    AttemptStatus,
    Exposure,
    HostScan,
    Mode,
    Refusal,
    Service,
)
from scanner.discovery.identify import identify_all
from scanner.discovery.nmap import discover, environment_problem
from scanner.engine.answers import checklist_problems
from scanner.engine.context import RunServices
from scanner.engine.executor import Executor, Limits
from scanner.engine.plan import (
    Job,
    Plan,
    build_plan,
    check_id_problems,
    profile_problems,
    select_checks,
)
from scanner.engine.registry import LoadedCheck, Registry
from scanner.engine.registry import discover as discover_checks
from scanner.inventory.schema import LoadedInventory, authorization_problem, preflight_paths
from scanner.inventory.yamlsource import Loc, dotted
from scanner.scope.guard import OutOfScope, ScopeGuard, Unresolvable
from scanner.store import Store
from scanner.tracking.issues import ReconcileReport, reconcile, reconcile_pending
from scanner.transport.ratelimit import TokenBucket


class Observer(Protocol):
    """Receives progress of a run (the terminal display subscribes; the store is written anyway)."""

    def started(self, run_id: int, jobs: int) -> None:
        """The plan is made: ``jobs`` checks will run."""

    def attempts(self, batch: Sequence[Attempt]) -> None:
        """A batch of attempts finished."""

    def finished(self) -> None:
        """The run ended (completed, failed or interrupted)."""


#: Runs a run's jobs elsewhere (on workers): ``dispatch(run_id, jobs, observe)`` returns when
#: all their attempts are stored, calling ``observe`` with each batch as it arrives.
Dispatch = Callable[[int, Sequence[Job], Callable[[Sequence[Attempt]], None]], None]


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


def load_registry(inv: LoadedInventory, extra_dirs: Iterable[Path] = ()) -> Registry:
    """All checks: built-in, entry points, the inventory's folders and ``extra_dirs``."""
    dirs = [inv.resolve_path(d) for d in inv.model.checks.dirs if inv.resolve_path(d).is_dir()]
    return discover_checks([*dirs, *extra_dirs])


def preflight(
    inv: LoadedInventory,
    registry: Registry,
    *,
    profile: str | None,
    now: datetime | None = None,
) -> tuple[ScopeGuard, dict[tuple[str, str], list[str]]]:
    """Every problem found before a packet is sent, as one UserError; else the scope guard and
    each asset's scope-checked addresses (a range maps to itself, expanded by discovery)."""
    problems: list[str] = [f"  {p}" for p in registry.problems]
    auth = authorization_problem(inv, now or datetime.now(UTC))
    if auth:
        problems.append(f"  {auth}")
    problems += preflight_paths(inv)
    problems += check_id_problems(inv, registry)
    problems += checklist_problems(inv, registry)  # the entities' checklist answers files
    if profile is not None:
        if profile not in inv.model.profiles:
            problems.append(
                f"  {inv.path}: there is no profile {profile!r} (profiles: "
                f"{', '.join(sorted(inv.model.profiles))}). Fix: pass one of those to --profile."
            )
        else:
            problems += profile_problems(inv, registry, profile)
            env = environment_problem(inv.model.profiles[profile])
            if env:
                problems.append(f"  {env}")
    else:
        for name in inv.model.profiles:
            problems += profile_problems(inv, registry, name)
    scope = inv.model.scope
    guard = ScopeGuard(scope.allow, scope.deny)
    addresses = _asset_addresses(inv, guard, problems)
    if problems:
        count = len(problems)
        raise UserError(
            "\n".join(
                [
                    f"{inv.path}: {count} problem{'s' if count > 1 else ''} before the run:",
                    *problems,
                ]
            )
        )
    return guard, addresses


def _asset_addresses(
    inv: LoadedInventory, guard: ScopeGuard, problems: list[str]
) -> dict[tuple[str, str], list[str]]:
    """Each asset's scope-checked addresses; scope and name problems are appended."""
    addresses: dict[tuple[str, str], list[str]] = {}
    for e_index, entity in enumerate(inv.model.entities):
        for a_index, asset in enumerate(entity.assets):
            loc: Loc = ("entities", e_index, "assets", a_index, asset.kind.value)
            try:
                if asset.kind == AssetKind.NETWORK:
                    problem = guard.network_problem(asset.value)
                    if problem:
                        raise OutOfScope(problem)
                    addresses[(entity.id, asset.id)] = [asset.value]
                elif asset.kind == AssetKind.URL:
                    addresses[(entity.id, asset.id)] = guard.check_url(asset.value)
                else:
                    addresses[(entity.id, asset.id)] = guard.resolve(asset.value)
            except OutOfScope as exc:
                problems.append(
                    f"  {inv.where(loc)}: {dotted(loc)}: {asset.value} is outside the declared "
                    f"scope ({exc}). Fix: correct the asset, or extend scope.allow if the "
                    "authorization covers it."
                )
            except Unresolvable as exc:
                problems.append(
                    f"  {inv.where(loc)}: {dotted(loc)}: {exc}. Fix: correct the name, or "
                    "declare the asset by address."
                )
    return addresses


def execute_run(
    inv: LoadedInventory,
    profile_name: str,
    store: Store,
    *,
    extra_dirs: Iterable[Path] = (),
    observer: Observer | None = None,
    now: datetime | None = None,
    resume: int | None = None,
    only: set[tuple[str, str, str]] | None = None,
    stop: Callable[[], str | None] | None = None,
    dispatch: Dispatch | None = None,
) -> RunResult:
    """Run the profile over the inventory, storing everything as it goes, then reconcile issues.

    With ``resume`` (a run id), finish that unfinished run instead: its stored discovery and
    attempts are kept and only the attempts it lacks are run. With ``only`` (entity id, asset
    id, check id) triples, run just those (a verification rescan; kept with the run, so that
    resuming it keeps to them). ``stop`` (the scheduler's
    scan window and signals) is asked after each batch: a reason ends the run ``interrupted``,
    its checks not yet recorded left for ``--resume``, and not reconciled until it completes.
    With ``dispatch`` (:mod:`scanner.distributed`), the jobs run on workers instead of this
    process's thread pool; everything else is the same.
    """
    observer = observer or NullObserver()
    if resume is not None and only is None:
        only = store.runs.restricted_to(resume)  # a verification rescan resumes as one
    registry = load_registry(inv, extra_dirs)
    _, addresses = preflight(inv, registry, profile=profile_name, now=now)
    checks = select_checks(inv, registry, profile_name)
    if only is not None:
        checks = [c for c in checks if c.id in {check for _, _, check in only}]
        addresses = {k: v for k, v in addresses.items() if k in {(e, a) for e, a, _ in only}}
    profile = inv.model.profiles[profile_name]
    refusals: list[Refusal] = []
    services = run_services(inv, store, refusals)
    run_id = _start_run(store, inv, profile_name, resume, only)
    result = RunResult(run_id=run_id, status="running")
    started = time.monotonic()
    try:
        scans = _discovery(
            inv,
            store,
            run_id,
            addresses,
            checks,
            services,
            profile_name,
            resumed=resume is not None,
        )
        plan = build_plan(inv, checks, addresses, scans, profile)
        if only is not None:
            plan = plan.restricted_to(only)
        if resume is not None:
            plan = plan.without(store.attempts.keys(run_id))
        observer.started(run_id, len(plan.jobs) + len(plan.decided))

        tally = _Tally(result, observer, stop)

        def run_jobs(jobs: Sequence[Job]) -> None:
            if dispatch is None:
                execute_jobs(
                    store, run_id, services, limits_of(inv), jobs, tally.observe, stop=stop
                )
            else:  # workers store the attempts; this process only watches them arrive
                dispatch(run_id, jobs, tally.observe)

        _execute(run_jobs, plan, lambda batch: tally.record(store, batch), result, stop)
    except KeyboardInterrupt:
        result.status = "interrupted"
        raise
    except BaseException:
        result.status = "failed"
        raise
    finally:
        result.refusals = list(refusals)
        store.attempts.record_refusals(run_id, result.refusals)
        result.seconds = time.monotonic() - started
        result.http_requests = services.http_requests_sent()
        services.close()
        store.runs.finish(run_id, result.status, result.note)
        observer.finished()
    if result.status != "completed":
        return result
    result.tracking = reconcile_pending(store).get(run_id) or reconcile(store, run_id)
    return result


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

    def record(self, store: Store, batch: Sequence[Attempt]) -> None:
        store.attempts.record(self.result.run_id, batch)
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
        result.status = "completed"
    except _Stopped as exc:
        left = len(plan.jobs) + len(plan.decided) - sum(result.counts.values())
        result.status = "interrupted"
        result.note = f"{exc}: {left} checks not run; finish with --resume {result.run_id}"


def _discovery(
    inv: LoadedInventory,
    store: Store,
    run_id: int,
    addresses: dict[tuple[str, str], list[str]],
    checks: Sequence[LoadedCheck],
    services: RunServices,
    profile_name: str,
    *,
    resumed: bool,
) -> dict[str, HostScan]:
    """A resumed run's stored discovery, or a new discovery."""
    scans = store.attempts.discovery(run_id) if resumed else {}
    if scans:
        _expand_networks(inv, addresses, scans)
        return scans
    return _discover(
        inv,
        store,
        run_id,
        addresses,
        remote_checks=any(c.meta.mode == Mode.REMOTE for c in checks),
        services=services,
        profile_name=profile_name,
    )


def execute_jobs(
    store: Store,
    run_id: int,
    services: RunServices,
    limits: Limits,
    jobs: Sequence[Job],
    observe: Callable[[Sequence[Attempt]], None] | None = None,
    *,
    write_every: float = 0.0,
    stop: Callable[[], str | None] | None = None,
) -> None:
    """Run ``jobs`` on this process's thread pool, storing the attempts as they end.

    The one way jobs execute: a local run passes its whole plan, a worker one asset's jobs.
    Writes are idempotent by attempt key, so a job run twice (a worker died before its
    acknowledgement) is stored once. A local run writes each batch as it ends; a worker gathers
    them for up to ``write_every`` seconds (fewer transactions on a remote store; whatever a
    killed worker had not written is run again by the worker that gets its task). Once ``stop``
    gives a reason, no further job starts.
    """
    pending: list[Attempt] = []
    written = time.monotonic()

    def write() -> None:
        nonlocal written
        written = time.monotonic()
        if pending:
            batch = list(pending)
            pending.clear()
            store.attempts.record(run_id, batch)
            if observe is not None:
                observe(batch)

    def record(batch: Sequence[Attempt]) -> None:
        pending.extend(batch)
        if time.monotonic() - written >= write_every:
            write()

    Executor(services, limits).execute(jobs, record, stop)
    write()


def limits_of(inv: LoadedInventory) -> Limits:
    """The executor's limits from the inventory's ``rate_limits``."""
    limits = inv.model.rate_limits
    return Limits(limits.workers, limits.per_host, limits.check_timeout)


def run_services(inv: LoadedInventory, store: Store, refusals: list[Refusal]) -> RunServices:
    """What a run's checks share, with the SSH host keys pinned in ``store``; the scope guard
    appends what it refuses to ``refusals``."""
    services = _run_services(inv, refusals)
    services.pins = load_pins(store)  # SSH host keys approved earlier
    return services


def _run_services(inv: LoadedInventory, refusals: list[Refusal]) -> RunServices:
    """The shared state of one run: its scope guard (recording refusals), rate limits, settings."""
    scope, limits, campaign = inv.model.scope, inv.model.rate_limits, inv.model.campaign
    return RunServices(
        guard=ScopeGuard(scope.allow, scope.deny, on_refusal=refusals.append),
        bucket=TokenBucket(limits.connections_per_second),
        ot_bucket=TokenBucket(limits.ot_connections_per_second, burst=1),
        settings=inv.model.checks.settings,
        base_dir=inv.path.parent,
        credentials=inv.model.credentials,
        user_agent=(
            f"ci-inspection-scanner/{__version__} (campaign: {campaign.name}; "
            f"authorization: {campaign.authorization.reference})"
        ),
    )


def _start_run(
    store: Store,
    inv: LoadedInventory,
    profile_name: str,
    resume: int | None,
    only: set[tuple[str, str, str]] | None,
) -> int:
    """A new run (restricted to ``only`` if given), or the unfinished run ``resume`` reopened."""
    sha = hashlib.sha256(inv.source.text.encode()).hexdigest()
    if resume is not None:
        return _reopen(store, resume, profile_name, sha)
    return store.runs.create(
        inv.model.campaign.name,
        profile_name,
        str(inv.path.resolve()),  # workers resolve its check folders and key files by it
        sha,
        __version__,
        inventory_text=inv.source.text,
        restricted_to=only,
    )


def _reopen(store: Store, run_id: int, profile_name: str, sha: str) -> int:
    """Check that run ``run_id`` can be resumed with this inventory and profile, and reopen it."""
    row = store.runs.get(run_id)
    if row.status == "completed":
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


def _discover(
    inv: LoadedInventory,
    store: Store,
    run_id: int,
    addresses: dict[tuple[str, str], list[str]],
    *,
    remote_checks: bool,
    services: RunServices,
    profile_name: str,
) -> dict[str, HostScan]:
    if not remote_checks:
        return {}
    guard = services.guard
    kinds = {(e.id, a.id): a.kind for e in inv.model.entities for a in e.assets}
    hosts = sorted(
        {
            addr
            for key, addrs in addresses.items()
            if kinds[key] in (AssetKind.HOST, AssetKind.ONSITE)
            for addr in addrs
        }
    )
    networks = sorted(
        {
            addr
            for key, addrs in addresses.items()
            if kinds[key] == AssetKind.NETWORK
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

    ot_targets = _ot_addresses(inv, addresses)
    scans = discover(
        hosts,
        networks,
        inv.model.profiles[profile_name],
        timeout=inv.model.rate_limits.discovery_timeout,
        exclude=guard.denied_networks(),
        in_scope=in_scope,
        ot=ot_targets,
        ot_rate=inv.model.rate_limits.ot_packets_per_second,
    )
    _expand_networks(inv, addresses, scans)
    ot = _ot_addresses(inv, addresses)
    found = identify_all(
        [svc for s in scans.values() for svc in s.services],
        services,
        ot=ot,
        workers=inv.model.rate_limits.workers,
    )
    by_address: dict[str, list[Service]] = {}
    for svc in found:
        by_address.setdefault(svc.address, []).append(svc)
    scans = {a: replace(s, services=tuple(by_address.get(a, ()))) for a, s in scans.items()}
    store.attempts.record_discovery(run_id, {a: s.answered for a, s in scans.items()}, found)
    return scans


def _expand_networks(
    inv: LoadedInventory, addresses: dict[tuple[str, str], list[str]], scans: dict[str, HostScan]
) -> None:
    """A range asset's addresses become the live addresses discovery found in it."""
    for entity in inv.model.entities:
        for asset in entity.assets:
            key = (entity.id, asset.id)
            if asset.kind != AssetKind.NETWORK or key not in addresses:
                continue
            net = ipaddress.ip_network(asset.value, strict=False)
            addresses[key] = sorted(
                (a for a, s in scans.items() if s.answered and ipaddress.ip_address(a) in net),
                key=ipaddress.ip_address,
            )


def _ot_addresses(inv: LoadedInventory, addresses: dict[tuple[str, str], list[str]]) -> set[str]:
    """Addresses (or ranges) of ot assets: exposure ``ot`` or tagged ``ot``."""
    return {
        addr
        for e in inv.model.entities
        for a in e.assets
        if a.exposure == Exposure.OT or "ot" in a.tags
        for addr in addresses.get((e.id, a.id), [])
    }


def counts_line(counts: dict[str, int]) -> str:
    """``12 pass, 3 fail, 1 error ...`` in a fixed order."""
    return ", ".join(f"{counts.get(s.value, 0)} {s.value}" for s in AttemptStatus)
