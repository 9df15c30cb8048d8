"""Scale-out from the application's side: a distributed run's dispatch, and serving as a worker.

Celery is imported only when one of these is called: the embedded default never loads it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from scanner.app.hostkeys import load_pins
from scanner.engine.jobs import Dispatch
from scanner.store import Store


def coordinator(
    broker: str,
    store: Store,
    timeout: float,
    checks_dirs: Iterable[Path],
    notify: Callable[[str], None],
) -> Dispatch:
    """The ``dispatch`` of a run on ``broker``'s workers (waiting up to ``timeout`` seconds for
    them, telling ``notify`` when they stay quiet); a UserError if the broker cannot be
    reached."""
    from scanner.distributed.app import check_broker, make_app  # noqa: PLC0415
    from scanner.distributed.coordinator import Coordinator  # noqa: PLC0415

    app = make_app(broker)
    check_broker(app)
    return Coordinator(app, store, timeout=timeout, checks_dirs=checks_dirs, notify=notify)


def serve(
    broker: str,
    store: Store,
    *,
    concurrency: int,
    redelivery_after: float | None,
    name: str | None,
) -> int:
    """Serve ``broker``'s jobs into ``store`` until stopped; the worker's exit code. A
    UserError if the broker cannot be reached."""
    from scanner.distributed.app import DEFAULT_REDELIVERY, check_broker, make_app  # noqa: PLC0415
    from scanner.distributed.worker import run_worker  # noqa: PLC0415

    redelivery = redelivery_after or DEFAULT_REDELIVERY
    check_broker(make_app(broker, redelivery_after=redelivery))
    return run_worker(
        broker,
        store,
        pins=load_pins,
        concurrency=concurrency,
        redelivery_after=redelivery,
        name=name,
    )
