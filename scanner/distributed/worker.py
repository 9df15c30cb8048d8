"""The worker side: run one asset's attempt batch of a run, storing the attempts like a local run.

A task (:mod:`.wire`) is a signed reference: run id, inventory SHA-256, asset, attempt keys. The
worker checks its signature, then derives the jobs itself: the ``planner`` its caller passes
(the application's, :func:`scanner.app.workers.planner`) rebuilds the run from its stored
inventory, profile, restriction and discovery with the coordinator's compile and plan code and
this worker's own check folders. A key that plan does not have for that asset (an intrusive
check the plan skipped on an ot asset, another run's asset, a check this worker lacks) refuses
the whole task, as does an unsigned or altered message: a refusal is a warning in the worker's
log and nothing runs or is stored. The run's shared services (scope guard, rate limits,
settings, credentials, the pinned host keys read with ``pins``) are built once per run, and
the jobs run with :func:`scanner.engine.jobs.execute_jobs`, the code a local run uses. Jobs
whose attempts the store already has are skipped, and writes are idempotent by attempt key, so
a task delivered twice (its first worker died before acknowledging it) adds nothing twice.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from celery import Celery

from scanner.core.errors import UserError
from scanner.core.lifecycle import RunStatus
from scanner.core.models import Mode
from scanner.distributed.app import TASK, make_app
from scanner.distributed.limits import Share, shared_limits
from scanner.distributed.wire import Forged, Task, open_task
from scanner.engine.compiled import CompiledRun
from scanner.engine.context import RunServices
from scanner.engine.executor import Limits
from scanner.engine.jobs import Pins, execute_jobs, run_services, stored_resolver
from scanner.engine.plan import Job, Plan
from scanner.engine.refusals import RefusalLog
from scanner.store import Store, StoreError
from scanner.store.runs import RunHead

log = logging.getLogger("scanner.worker")

#: Seconds a worker gathers finished attempts before writing them (one transaction).
WRITE_EVERY = 1.0
#: Runs whose plan and services a worker keeps (a worker serves one run at a time, mostly; two
#: overlapping runs are kept both).
KEEP_RUNS = 4

#: Rebuilds a stored run and its plan on this worker (a UserError if it cannot).
Planner = Callable[[Store, RunHead], tuple[CompiledRun, Plan]]


class Refused(Exception):
    """A task this worker will not run; the message says why, for the log."""


@dataclass
class RunContext:
    """What a worker keeps for one run: its planned jobs by asset and its shared services."""

    jobs: dict[tuple[str, str], dict[str, Job]]  # (entity, asset) -> attempt key -> job
    services: RunServices
    limits: Limits
    refusals: RefusalLog = field(default_factory=lambda: RefusalLog(keep=False))


class WorkerRuns:
    """Executes signed asset tasks against one store, keeping the contexts of recent runs."""

    def __init__(
        self,
        store: Store,
        pins: Callable[[Store], Pins],
        planner: Planner,
        key: bytes,
        share: Share | None = None,
    ) -> None:
        self.store = store
        self.share = share  # the run's limits shared with the other workers (Redis), if any
        self.pins = pins  # reads the host keys pinned in the store, once per run
        self.planner = planner
        self.key = key
        self._runs: OrderedDict[int, RunContext] = OrderedDict()
        self._lock = threading.Lock()

    def handle(self, message: Any) -> None:
        """Run one message's task, logging what was done, or the refusal and nothing else."""
        try:
            log.info("%s", self.execute(message))
        except Refused as exc:
            log.warning("refused a task: %s; nothing was run", exc)

    def execute(self, message: Any) -> str:
        """Run the jobs of one task; returns a line for the worker's log, or raises Refused."""
        try:
            task = open_task(message, self.key)
        except Forged as exc:
            raise Refused(f"unsigned or altered message ({exc})") from None
        where = f"run {task.run} {task.entity}/{task.asset}"
        head = self.store.runs.head(task.run)
        if head is None or head.inventory_sha256 != task.sha256:
            # The coordinator reports the missing attempts when its wait ends.
            raise Refused(
                f"{where}: this worker's store has no such run (or another inventory under that "
                "id). Fix: start the worker with the coordinator's --db."
            )
        if head.status != RunStatus.RUNNING:
            return f"{where}: run is {head.status}; its jobs are dropped"
        ctx = self._context(head, where)
        jobs = self._jobs(task, where, ctx)
        done = self.store.attempts.keys(task.run, among=[j.key for j in jobs])
        todo = [j for j in jobs if j.key not in done]
        # As many threads as the per-host cap lets this asset's hosts use, not the run's pool.
        hosts = len({j.host_key for j in todo})
        limits = replace(ctx.limits, workers=min(ctx.limits.workers, ctx.limits.per_host * hosts))
        try:
            execute_jobs(
                self.store,
                task.run,
                ctx.services,
                limits,
                todo,
                refusals=ctx.refusals,
                write_every=WRITE_EVERY,
            )
        finally:  # the batches carried the others
            self.store.attempts.record_refusals(task.run, ctx.refusals.take())
        return f"{where}: {len(todo)} jobs run, {len(done)} already stored"

    @staticmethod
    def _jobs(task: Task, where: str, ctx: RunContext) -> list[Job]:
        """The task's jobs from this worker's plan of the run; Refused if any is not in it."""
        planned = ctx.jobs.get((task.entity, task.asset))
        if planned is None:
            raise Refused(f"{where}: the run's plan has no jobs for this asset")
        foreign = sorted(set(task.keys) - set(planned))
        if foreign:
            raise Refused(
                f"{where}: {len(foreign)} of {len(task.keys)} attempt keys are not jobs of the "
                f"run's plan for this asset (first: {foreign[0]}); a check the plan skips "
                "(intrusive without opt-in, or on an ot asset), or one this worker lacks "
                "(give the coordinator's check folders with `scanner worker --checks-dir`)"
            )
        return [planned[k] for k in dict.fromkeys(task.keys)]

    def _context(self, head: RunHead, where: str) -> RunContext:
        with self._lock:
            ctx = self._runs.get(head.id)
            if ctx is not None:
                self._runs.move_to_end(head.id)
                return ctx
            try:
                run, plan = self.planner(self.store, head)
            except UserError as exc:
                raise Refused(f"{where}: this worker cannot plan the run: {exc}") from None
            jobs: dict[tuple[str, str], dict[str, Job]] = {}
            for job in plan.jobs:
                jobs.setdefault((job.target.entity_id, job.target.asset_id), {})[job.key] = job
            refusals = RefusalLog(keep=False)
            services = run_services(
                run.inv,
                self.pins(self.store),
                refusals,
                resolved=run.resolutions,
                resolver=stored_resolver(self.store, head.id),
                feeds=self.store.feeds,
                onsite_audit=not run.profile.modes or Mode.ONSITE in run.profile.modes,
            )
            # logins already sent in this run (an earlier worker, a resumed run) count too
            services.ledger.seed(
                tuple(r.tries for r in self.store.attempts.credential_tries(head.id))
            )
            if self.share is not None:
                services = self.share(head.id, run.inv, services)
            ctx = RunContext(jobs, services, run.limits, refusals)
            self._runs[head.id] = ctx
            while len(self._runs) > KEEP_RUNS:
                _, old = self._runs.popitem(last=False)
                old.services.close()
            return ctx

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
    def run_asset_jobs(*args: Any, **kwargs: Any) -> None:
        # Whatever arguments a message brings: exactly one signed task, or a refusal.
        runs.handle(args[0] if len(args) == 1 and not kwargs else None)


def run_worker(
    broker: str,
    store: Store,
    *,
    pins: Callable[[Store], Pins],
    planner: Planner,
    key: bytes,
    concurrency: int,
    redelivery_after: float,
    name: str | None = None,
) -> int:
    """Serve tasks from ``broker`` until stopped (SIGTERM: finish running tasks first; SIGINT
    twice or SIGKILL: stop now, the broker redelivers), running only tasks signed with ``key``
    whose jobs ``planner`` plans, reading each run's pinned host keys with ``pins``. Returns the
    exit code."""
    app = make_app(broker, redelivery_after=redelivery_after)
    runs = WorkerRuns(store, pins, planner, key, shared_limits(broker))
    register_task(app, runs)
    # One process with a thread per concurrent task: checks are network-bound threads already,
    # and a killed worker takes all its tasks with it (nothing is left half-alive).
    options: dict[str, Any] = {
        "pool": "threads",
        "concurrency": concurrency,
        "loglevel": "INFO",
        "without_gossip": True,
        "without_mingle": True,
        "without_heartbeat": True,  # heartbeats are events, which are off (app.make_app)
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
