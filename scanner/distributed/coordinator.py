"""The coordinator side: send a run's jobs to workers, one task per asset, and wait for them.

:class:`Coordinator` is the ``dispatch`` of :func:`scanner.app.runs.start_run`: the run does
preflight, discovery and planning in this process, then hands its jobs here. They are grouped by
asset (an asset's checks share its HTTP sessions, TLS scans and SSH login on one worker), sent
as signed references (:mod:`.wire`: run, asset, attempt keys; the worker plans the jobs itself),
and the store is watched until every planned attempt key is in it. The wait is bounded: when it
ends first, the run fails with the count of missing attempts and how to finish it
(``--resume``); tasks still queued then expire instead of running into a finished run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from celery import Celery

from scanner.core.errors import UserError
from scanner.core.models import Attempt
from scanner.core.secrets import hide_password, redact
from scanner.core.text import one_line
from scanner.distributed.app import TASK
from scanner.distributed.wire import Task, seal
from scanner.engine.plan import Job
from scanner.store import Store, StoreError

#: After this long without any attempt arriving, say so once (are workers running?).
QUIET_NOTICE = 30.0


class Coordinator:
    """Dispatches a run's jobs to the workers of one broker and waits for their attempts."""

    def __init__(
        self,
        app: Celery,
        store: Store,
        *,
        key: bytes,
        timeout: float,
        poll: float = 0.5,
        notify: Callable[[str], None] = lambda _message: None,
    ) -> None:
        self.app = app
        self.store = store
        self.timeout = timeout
        self.key = key  # signs every task (wire.task_key)
        self.poll = poll
        self.notify = notify
        self.tasks = 0  # tasks sent by the last dispatch

    def __call__(
        self,
        run_id: int,
        jobs: Sequence[Job],
        observe: Callable[[Sequence[Attempt]], None],
    ) -> None:
        """Send ``jobs`` as one task per asset; return when all their attempts are stored."""
        arrivals = _Arrivals(self.store, run_id)
        expected = {j.key for j in jobs} - arrivals.known
        self.tasks = self._send(run_id, [j for j in jobs if j.key in expected])
        self._wait(run_id, expected, arrivals, observe)

    def _send(self, run_id: int, jobs: Sequence[Job]) -> int:
        by_asset: dict[tuple[str, str], list[Job]] = {}
        for job in jobs:
            by_asset.setdefault((job.target.entity_id, job.target.asset_id), []).append(job)
        sha = self.store.runs.inventory_sha256(run_id)
        try:
            with self.app.producer_or_acquire() as producer:
                for (entity, asset), group in by_asset.items():
                    task = Task(run_id, sha, entity, asset, tuple(j.key for j in group))
                    # Expiring with the wait: a task still queued when the coordinator gives up
                    # is discarded by the worker that receives it.
                    self.app.send_task(
                        TASK, args=[seal(task, self.key)], expires=self.timeout, producer=producer
                    )
        except Exception as exc:  # kombu's connection errors differ per transport
            url = self.app.conf.broker_url
            raise UserError(
                f"run {run_id}: sending jobs to the broker {hide_password(url)} failed: "
                f"{redact(str(exc), url)}. Fix: check the broker, then finish the run with "
                f"--resume {run_id}."
            ) from None
        return len(by_asset)

    def _wait(
        self,
        run_id: int,
        expected: set[str],
        arrivals: _Arrivals,
        observe: Callable[[Sequence[Attempt]], None],
    ) -> None:
        start = time.monotonic()
        last_arrival = start
        quiet_told = store_told = False
        while not expected <= arrivals.known:
            now = time.monotonic()
            if now - start > self.timeout:
                missing = len(expected - arrivals.known)
                raise UserError(
                    f"run {run_id}: {missing} of {len(expected)} attempts did not arrive within "
                    f"{self.timeout:g} s. Fix: make sure `scanner worker` processes run with "
                    "this --broker and --db, then finish the run with "
                    f"`scanner run ... --resume {run_id} --broker ...` (or raise --wait-timeout)."
                )
            try:
                arrived = arrivals.poll()
            except StoreError as exc:  # the store restarting: keep waiting, within the timeout
                arrived = []
                if not store_told:
                    store_told = True
                    url = self.store.engine.url.render_as_string(hide_password=False)
                    why = one_line(redact(str(exc), url), 200)
                    self.notify(f"run {run_id}: the store is unreachable ({why}); waiting for it")
            else:
                store_told = False
            if arrived:
                last_arrival = now
                observe(arrived)
            elif not quiet_told and now - last_arrival > QUIET_NOTICE:
                quiet_told = True
                self.notify(
                    f"run {run_id}: no attempt arrived for {QUIET_NOTICE:g} s; are workers "
                    f"running on {hide_password(self.app.conf.broker_url)} with the same store? "
                    "(`scanner worker --broker URL --db URL`)"
                )
            time.sleep(self.poll)


class _Arrivals:
    """The attempts of one run as workers store them, read incrementally.

    Attempt ids grow, but concurrent writers may commit out of id order, so each poll rereads a
    window below the highest id seen; the count tells when something older slipped in, and
    then one full read catches it.
    """

    LOOKBACK = 2000  # ids

    def __init__(self, store: Store, run_id: int) -> None:
        self.store = store
        self.run_id = run_id
        self.high = 0
        self.known: set[str] = set()
        self._read(0)

    def poll(self) -> list[Attempt]:
        """Attempts stored since the last poll."""
        count = self.store.attempts.count(self.run_id)
        if count == len(self.known):
            return []
        fresh = self._read(max(0, self.high - self.LOOKBACK))
        if len(self.known) < count:
            fresh += self._read(0)
        return fresh

    def _read(self, after_id: int) -> list[Attempt]:
        high, fresh = self.store.attempts.after(self.run_id, after_id, self.known)
        self.high = max(self.high, high)
        self.known.update(a.key for a in fresh)
        return fresh
