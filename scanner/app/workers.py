"""Scale-out from the application's side: a distributed run's dispatch, and serving as a worker.

Both sides read the task key from ``SCANNER_TASK_KEY`` (:func:`scanner.distributed.wire.task_key`)
and refuse to start without it. A worker plans each run itself (:func:`planner`): the stored
inventory compiled with the coordinator's code (:func:`scanner.app.compile.compile_run`) against
the checks of this worker's own folders, then planned from the stored discovery. Celery is
imported only when one of these is called: the embedded default never loads it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.app.compile import compile_run
from scanner.app.hostkeys import load_pins
from scanner.app.runs import stored_discovery
from scanner.engine.compiled import CompiledRun
from scanner.engine.jobs import Dispatch
from scanner.engine.plan import Plan, build_plan
from scanner.engine.registry import discover
from scanner.inventory.schema import inventory_from_text
from scanner.store import Store
from scanner.store.runs import RunHead

if TYPE_CHECKING:
    from scanner.distributed.worker import Planner


def coordinator(
    broker: str,
    store: Store,
    timeout: float,
    notify: Callable[[str], None],
) -> Dispatch:
    """The ``dispatch`` of a run on ``broker``'s workers (waiting up to ``timeout`` seconds for
    them, telling ``notify`` when they stay quiet); a UserError without the task key or if the
    broker cannot be reached."""
    from scanner.distributed.app import check_broker, make_app  # noqa: PLC0415
    from scanner.distributed.coordinator import Coordinator  # noqa: PLC0415
    from scanner.distributed.wire import task_key  # noqa: PLC0415

    key = task_key()
    app = make_app(broker)
    check_broker(app)
    return Coordinator(app, store, key=key, timeout=timeout, notify=notify)


def planner(checks_dirs: Iterable[Path]) -> Planner:
    """What rebuilds a stored run and its plan on a worker whose own check folders are
    ``checks_dirs`` (the inventory's ``checks.dirs`` are not loaded: a worker imports only code
    its own configuration names). The checks are loaded once, here."""
    registry = discover([Path(d).resolve() for d in checks_dirs])

    def replan(store: Store, head: RunHead) -> tuple[CompiledRun, Plan]:
        inv = inventory_from_text(store.runs.inventory_text(head.id), Path(head.inventory))
        # Preflight as the coordinator did, at the run's start (its authorization window).
        started = datetime.fromtimestamp(store.runs.get(head.id).started_at, UTC)
        run = compile_run(
            inv,
            head.profile,
            registry=registry,
            now=started,
            resolved=store.runs.resolutions(head.id),  # the coordinator's, never a new lookup
        )
        only = store.runs.restricted_to(head.id)
        if only is not None:
            run = run.restricted_to(only)
        return run, build_plan(run, stored_discovery(run, store, head.id))

    return replan


def serve(
    broker: str,
    store: Store,
    *,
    checks_dirs: Iterable[Path],
    concurrency: int,
    redelivery_after: float | None,
    name: str | None,
) -> int:
    """Serve ``broker``'s jobs into ``store`` until stopped, with the checks of ``checks_dirs``
    besides the built-in ones and entry points; the worker's exit code. A UserError without the
    task key or if the broker cannot be reached."""
    from scanner.distributed.app import DEFAULT_REDELIVERY, check_broker, make_app  # noqa: PLC0415
    from scanner.distributed.wire import task_key  # noqa: PLC0415
    from scanner.distributed.worker import run_worker  # noqa: PLC0415

    key = task_key()
    redelivery = redelivery_after or DEFAULT_REDELIVERY
    check_broker(make_app(broker, redelivery_after=redelivery))
    return run_worker(
        broker,
        store,
        pins=load_pins,
        planner=planner(checks_dirs),
        key=key,
        concurrency=concurrency,
        redelivery_after=redelivery,
        name=name,
    )
