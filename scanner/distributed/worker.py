"""The worker side: run one asset's jobs of a run, storing the attempts like a local run.

A task carries a run id, an asset and its jobs (check id and target, :mod:`.wire`). The worker
reads the run's inventory from the store (``runs.inventory_text``), loads the checks, builds the
run's shared services (scope guard, rate limits, settings, credentials, pinned host keys) once
per run, and executes the jobs with :func:`scanner.engine.jobs.execute_jobs`, the code a local
run uses. The pinned host keys come through the ``pins`` reader its caller passes (the
application's :func:`scanner.app.hostkeys.load_pins`), so this layer stays below the
application. Jobs whose attempts the store already has are skipped, and writes are idempotent by
attempt key, so a task delivered twice (its first worker died before acknowledging it) adds
nothing twice.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from celery import Celery

from scanner.core.errors import UserError
from scanner.core.lifecycle import RunStatus
from scanner.core.models import Attempt, AttemptStatus, ErrorReason, Refusal
from scanner.distributed.app import TASK, make_app
from scanner.distributed.wire import decode_target
from scanner.engine.compiled import limits_of, load_registry
from scanner.engine.context import RunServices
from scanner.engine.executor import Limits
from scanner.engine.jobs import Pins, execute_jobs, run_services
from scanner.engine.plan import Job
from scanner.engine.registry import Registry
from scanner.inventory.schema import LoadedInventory, inventory_from_text
from scanner.store import Store, StoreError

log = logging.getLogger("scanner.worker")

#: Seconds a worker gathers finished attempts before writing them (one transaction).
WRITE_EVERY = 1.0
#: Runs whose inventory, checks and services a worker keeps (a worker serves one run at a time,
#: mostly; two overlapping runs are kept both).
KEEP_RUNS = 4


@dataclass
class RunContext:
    """What a worker keeps for one run: its inventory, checks and shared services."""

    inv: LoadedInventory
    registry: Registry
    services: RunServices
    limits: Limits
    refusals: list[Refusal] = field(default_factory=list)

    def take_refusals(self) -> list[Refusal]:
        """What the scope guard refused since the last call (other threads may append)."""
        count = len(self.refusals)
        taken = self.refusals[:count]
        del self.refusals[:count]
        return taken


class WorkerRuns:
    """Executes asset tasks against one store, keeping the contexts of recent runs."""

    def __init__(self, store: Store, pins: Callable[[Store], Pins]) -> None:
        self.store = store
        self.pins = pins  # reads the host keys pinned in the store, once per run
        self._runs: OrderedDict[int, RunContext] = OrderedDict()
        self._lock = threading.Lock()

    def execute(self, payload: dict[str, Any]) -> str:
        """Run the jobs of one task; returns a line for the worker's log."""
        run_id = int(payload["run"])
        where = f"run {run_id} {payload['entity']}/{payload['asset']}"
        head = self.store.runs.head(run_id)
        if head is None or head.inventory_sha256 != payload["sha256"]:
            # Not retried: another store will not appear. The coordinator reports the missing
            # attempts when its wait ends.
            raise UserError(
                f"{where}: this worker's store has no such run (or another inventory under that "
                "id). Fix: start the worker with the coordinator's --db."
            )
        if head.status != RunStatus.RUNNING:
            return f"{where}: run is {head.status}; its jobs are dropped"
        ctx = self._context(run_id, head.inventory, payload.get("checks_dirs", ()))
        wanted = payload["jobs"]
        jobs, unknown = self._jobs(ctx, wanted)
        done = self.store.attempts.keys(run_id, among=[j.key for j in jobs])
        todo = [j for j in jobs if j.key not in done]
        if unknown:
            self.store.attempts.record(run_id, unknown)
        # As many threads as the per-host cap lets this asset's hosts use, not the run's pool.
        hosts = len({j.host_key for j in todo})
        limits = replace(ctx.limits, workers=min(ctx.limits.workers, ctx.limits.per_host * hosts))
        try:
            execute_jobs(self.store, run_id, ctx.services, limits, todo, write_every=WRITE_EVERY)
        finally:
            self.store.attempts.record_refusals(run_id, ctx.take_refusals())
        return f"{where}: {len(todo)} jobs run, {len(done)} already stored" + (
            f", {len(unknown)} checks unknown here" if unknown else ""
        )

    def _context(self, run_id: int, inventory: str, checks_dirs: Sequence[str]) -> RunContext:
        with self._lock:
            ctx = self._runs.get(run_id)
            if ctx is not None:
                self._runs.move_to_end(run_id)
                return ctx
            text = self.store.runs.inventory_text(run_id)
            inv = inventory_from_text(text, Path(inventory))
            registry = load_registry(inv, [Path(d) for d in checks_dirs])
            refusals: list[Refusal] = []
            services = run_services(inv, self.pins(self.store), refusals)
            ctx = RunContext(inv, registry, services, limits_of(inv), refusals)
            self._runs[run_id] = ctx
            while len(self._runs) > KEEP_RUNS:
                _, old = self._runs.popitem(last=False)
                old.services.close()
            return ctx

    @staticmethod
    def _jobs(ctx: RunContext, wanted: list[dict[str, Any]]) -> tuple[list[Job], list[Attempt]]:
        """The task's jobs rebuilt, and an error attempt for each check this worker lacks."""
        jobs: list[Job] = []
        unknown: list[Attempt] = []
        for item in wanted:
            target = decode_target(item["target"])
            check = ctx.registry.checks.get(item["check"])
            if check is None:
                unknown.append(
                    Attempt(
                        check_id=item["check"],
                        entity_id=target.entity_id,
                        asset_id=target.asset_id,
                        location=target.location,
                        status=AttemptStatus.ERROR,
                        error_reason=ErrorReason.CHECK_BUG,
                        reason="the worker that ran this job has no such check (install the "
                        "same scanner version and check folders on every worker)",
                    )
                )
                continue
            jobs.append(Job(check, target))
        return jobs, unknown

    def close(self) -> None:
        """Close every kept run's connections."""
        with self._lock:
            for ctx in self._runs.values():
                ctx.services.close()
            self._runs.clear()


def register_task(app: Celery, runs: WorkerRuns) -> None:
    """Bind :data:`TASK` on ``app`` to ``runs``. A store that is briefly unreachable is retried
    (the retry skips what the first attempt stored)."""

    @app.task(  # type: ignore[untyped-decorator]
        name=TASK,
        autoretry_for=(StoreError,),
        retry_backoff=2,
        retry_backoff_max=60,
        max_retries=5,
    )
    def run_asset_jobs(payload: dict[str, Any]) -> None:
        log.info("%s", runs.execute(payload))


def run_worker(
    broker: str,
    store: Store,
    *,
    pins: Callable[[Store], Pins],
    concurrency: int,
    redelivery_after: float,
    name: str | None = None,
) -> int:
    """Serve tasks from ``broker`` until stopped (SIGTERM: finish running tasks first; SIGINT
    twice or SIGKILL: stop now, the broker redelivers), reading each run's pinned host keys
    with ``pins``. Returns the exit code."""
    app = make_app(broker, redelivery_after=redelivery_after)
    runs = WorkerRuns(store, pins)
    register_task(app, runs)
    # One process with a thread per concurrent task: checks are network-bound threads already,
    # and a killed worker takes all its tasks with it (nothing is left half-alive).
    options: dict[str, Any] = {
        "pool": "threads",
        "concurrency": concurrency,
        "loglevel": "INFO",
        "without_gossip": True,
        "without_mingle": True,
        "optimization": "fair",
    }
    if name:
        options["hostname"] = name
    worker = app.Worker(**options)
    try:
        worker.start()
    finally:
        runs.close()
    return int(worker.exitcode or 0)
