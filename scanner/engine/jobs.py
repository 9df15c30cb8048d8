"""Executing a run's jobs on this process: the one way jobs run, for a local run and a worker.

:func:`run_services` builds what a run's checks share (scope guard recording refusals, rate
limits, settings, credentials, pinned host keys) from its inventory; :func:`execute_jobs` runs
jobs on the thread pool and stores their attempts as they end. :data:`Dispatch` is the other
way: a run hands its jobs to workers (:mod:`scanner.distributed`) and watches them arrive.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from scanner import __version__
from scanner.core.errors import UserError
from scanner.core.models import AssetKind, Attempt, Exposure, OnsiteTarget, is_ip
from scanner.engine.context import RunServices
from scanner.engine.credentials import CredentialPolicy
from scanner.engine.executor import Executor, Limits, More
from scanner.engine.plan import Job
from scanner.engine.refusals import RefusalLog
from scanner.inventory.credlists import CredentialListError, read_list
from scanner.inventory.schema import LoadedInventory
from scanner.scope import guard as scope_guard
from scanner.scope.guard import Resolver, ScopeGuard
from scanner.store import Store
from scanner.transport.ratelimit import TokenBucket
from scanner.transport.ssh import TrustedKey
from scanner.vulns.match import FeedReader, Matcher

#: SSH host keys pinned in the store, by (host, port), as a run trusts them.
Pins = Mapping[tuple[str, int], tuple[TrustedKey, ...]]

#: Runs a run's jobs elsewhere (on workers): ``dispatch(run_id, jobs, observe)`` returns when
#: all their attempts are stored, calling ``observe`` with each batch as it arrives.
Dispatch = Callable[[int, Sequence[Job], Callable[[Sequence[Attempt]], None]], None]


def run_services(
    inv: LoadedInventory,
    pins: Pins,
    refusals: RefusalLog,
    *,
    resolved: Mapping[str, Sequence[str]] | None = None,
    resolver: Resolver | None = None,
    feeds: FeedReader | None = None,
    onsite_audit: bool = False,
) -> RunServices:
    """The shared state of one run: its scope guard (appending what it refuses to
    ``refusals``, knowing the names the run ``resolved`` already and asking ``resolver`` for
    others), rate limits, settings, credentials and the host keys ``pins``; a matcher over
    ``feeds`` (the store's vulnerability feeds), and with ``onsite_audit`` (the profile audits
    on site) the on-site assets remote checks may settle their inferences with."""
    scope, limits, campaign = inv.model.scope, inv.model.rate_limits, inv.model.campaign
    onsite = tuple(
        OnsiteTarget(
            entity_id=e.id,
            asset_id=a.id,
            kind=AssetKind.ONSITE,
            exposure=a.exposure,
            tags=tuple(a.tags),
            address=a.onsite,
            hostname="" if is_ip(a.onsite) else a.onsite,
            credentials=a.credentials or "",
        )
        for e in inv.model.entities
        for a in e.assets
        if onsite_audit and a.onsite is not None and a.credentials
    )
    return RunServices(
        guard=ScopeGuard(
            scope.allow,
            scope.deny,
            resolve_anywhere=scope.resolve_anywhere,
            on_refusal=refusals.append,
            resolved=resolved,
            resolver=resolver,
        ),
        bucket=TokenBucket(limits.connections_per_second),
        ot_bucket=TokenBucket(limits.ot_connections_per_second, burst=1),
        ot_hosts=tuple(  # the same ot assets as CompiledRun.ot_assets (a worker has no plan)
            a.value
            for e in inv.model.entities
            for a in e.assets
            if a.exposure == Exposure.OT or "ot" in a.tags
        ),
        settings=inv.model.checks.settings,
        base_dir=inv.path.parent,
        credentials=inv.model.credentials,
        user_agent=(
            f"ci-inspection-scanner/{__version__} (campaign: {campaign.name}; "
            f"authorization: {campaign.authorization.reference})"
        ),
        pins=pins,
        vulnerabilities=Matcher(feeds) if feeds is not None else None,
        onsite=onsite,
        credential_tests=credential_policy(inv),
    )


def credential_policy(inv: LoadedInventory) -> CredentialPolicy:
    """The inventory's ``checks.credentials``, its lists read (preflight checked them; a list
    changed since is a UserError naming its lines)."""
    tests = inv.model.checks.credentials
    entries: list[tuple[str, str]] = []
    for listed in tests.lists:
        try:
            entries += read_list(inv.resolve_path(listed))
        except CredentialListError as exc:
            raise UserError("\n".join(exc.problems)) from None
    return CredentialPolicy(
        enabled=tests.enabled,
        max_attempts=tests.max_attempts,
        pause=tests.pause,
        per_connection=tests.per_connection,
        builtin=tests.builtin,
        entries=tuple(dict.fromkeys(entries)),
    )


def stored_resolver(store: Store, run_id: int, resolve: Resolver | None = None) -> Resolver:
    """A resolver that asks DNS only for a name run ``run_id`` has never resolved, and keeps
    the answer in the store, where the first process to keep one decides it for the run (a
    coordinator and its workers, a resumed run: one resolution per name per run)."""

    def lookup(name: str) -> list[str]:
        kept = store.runs.resolution(run_id, name)
        if kept is None:
            found = (resolve or scope_guard.system_resolver)(name)
            kept = store.runs.keep_resolutions(run_id, {name: found})[name]
        return list(kept)

    return lookup


def execute_jobs(
    store: Store,
    run_id: int,
    services: RunServices,
    limits: Limits,
    jobs: Sequence[Job],
    observe: Callable[[Sequence[Attempt]], None] | None = None,
    *,
    refusals: RefusalLog | None = None,
    write_every: float = 0.0,
    stop: Callable[[], str | None] | None = None,
    more: More | None = None,
) -> None:
    """Run ``jobs`` on this process's thread pool, storing the attempts as they end; ``more``
    streams jobs that become ready later (see :meth:`Executor.execute`).

    The one way jobs execute: a local run passes its whole plan, a worker one asset's jobs.
    Writes are idempotent by attempt key, so a job run twice (a worker died before its
    acknowledgement) is stored once. A local run writes each batch as it ends; a worker gathers
    them for up to ``write_every`` seconds (fewer transactions on a remote store; whatever a
    killed worker had not written is run again by the worker that gets its task). Once ``stop``
    gives a reason, no further job starts.

    The scope guard's ``refusals`` are stored with the batches, in their transaction, and also
    while no attempt ends (a check that was refused and then hangs): a kill loses them no more
    than it loses attempts.
    """
    pending: list[Attempt] = []
    written = time.monotonic()

    def write() -> None:
        nonlocal written
        written = time.monotonic()
        refused = refusals.take() if refusals is not None else []
        if pending or refused:
            batch = list(pending)
            pending.clear()
            store.attempts.record(run_id, batch, refused)
            if observe is not None and batch:
                observe(batch)

    def record(batch: Sequence[Attempt]) -> None:
        pending.extend(batch)
        if time.monotonic() - written >= write_every:
            write()

    Executor(services, limits).execute(jobs, record, stop, idle=lambda: record(()), more=more)
    write()
