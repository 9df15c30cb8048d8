"""Execution: run the plan's jobs on a pool of threads, each job ending as exactly one attempt.

The pool caps checks per host and in total; every check has a deadline. A check that raises
becomes an ``error`` attempt with its reason and traceback; a check that hangs past its deadline
(plus a grace period) is abandoned, recorded as a ``timeout`` error, and its worker replaced, so
one bad check or hostile target never stalls the run. Attempts are handed to ``on_attempts`` in
batches on the calling thread, which is therefore the store's single writer.
"""

from __future__ import annotations

import errno
import itertools
import queue
import ssl
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import islice

from scanner.core.errors import EndpointStalled, TransportError
from scanner.core.models import Attempt, AttemptStatus, ErrorReason, Finding
from scanner.core.text import one_line
from scanner.engine.check import Inconclusive, NotApplicable
from scanner.engine.context import CheckContext, RunServices
from scanner.engine.plan import Job
from scanner.scope.guard import OutOfScope, Unresolvable
from scanner.transport.errors import translate
from scanner.transport.ssh import HostKeyChanged

#: A check yielding more findings than this on one target is cut off (and says so).
MAX_FINDINGS = 1000
#: OSError numbers that mean the network, not the check, failed.
NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.EHOSTDOWN,
        errno.ENETDOWN,
        errno.ETIMEDOUT,
        errno.EPIPE,
        errno.EADDRNOTAVAIL,
    }
)
#: Jobs that became ready since the last call, or None once no more will come (see
#: :meth:`Executor.execute`).
More = Callable[[], Sequence[Job] | None]
#: How long past its deadline a check may take to notice before it is abandoned.
GRACE = 2.0


@dataclass(frozen=True)
class Limits:
    """How much runs at once and for how long."""

    workers: int = 16
    per_host: int = 4
    check_timeout: float = 30.0


def run_job(job: Job, services: RunServices, timeout: float) -> Attempt:
    """Run one check on one target and turn whatever happens into an Attempt."""
    started_at = time.time()
    start = time.monotonic()
    check = job.check.cls()
    target = job.target
    ctx = CheckContext(
        services,
        job.check.id,
        start + timeout,
        ot=target.ot,
        commands=job.check.meta.commands,
        address=getattr(target, "address", ""),
        requests=job.check.meta.requests,
        attempt_key=job.key,
    )
    status, reason, error_reason, trace = AttemptStatus.PASS, "", None, ""
    found: list[Finding] = []
    try:
        found = list(islice(check.run(target, ctx), MAX_FINDINGS + 1))
    except NotApplicable as exc:
        status, reason = AttemptStatus.NOT_APPLICABLE, one_line(str(exc), 500)
    except Exception as raised:
        # Transports translate their libraries at their boundary; this covers a plugin check that
        # uses a network library itself, so the engine still classifies one error family.
        error = translate(raised)
        status, error_reason = AttemptStatus.ERROR, classify(error)
        reason = one_line(describe(error), 500)
        stalled = _stalled_endpoint(raised)
        if stalled is not None:  # later checks of the endpoint end at once, citing this one
            services.mark_unresponsive(stalled, f"{job.check.id}: {reason}")
        if error_reason == ErrorReason.CHECK_BUG:
            trace = traceback.format_exc(limit=20)
    if status == AttemptStatus.ERROR and ctx.privilege_note and ctx.privilege_note not in reason:
        reason = one_line(f"{reason}; {ctx.privilege_note}", 500)
    if found and status == AttemptStatus.PASS:
        status = AttemptStatus.FAIL
        if len(found) > MAX_FINDINGS:
            found = found[:MAX_FINDINGS]
            reason = f"more than {MAX_FINDINGS} findings; the rest were not recorded"
    return Attempt(
        check_id=job.check.id,
        entity_id=target.entity_id,
        asset_id=target.asset_id,
        location=target.location,
        status=status,
        reason=reason,
        error_reason=error_reason,
        traceback=trace,
        started_at=started_at,
        duration=time.monotonic() - start,
        findings=tuple(found),
        check_sha256=job.check.code_sha256,
        exchanges=ctx.log.exchanges((*services.known_secrets(), *ctx.secrets)),
        privilege=ctx.privilege,
        credential_tries=services.ledger.tries(job.key),
    )


def _stalled_endpoint(raised: BaseException) -> tuple[str, int] | None:
    """The endpoint that stalled, when ``raised`` (or what it was raised from) says one did."""
    seen: set[int] = set()
    exc: BaseException | None = raised
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, EndpointStalled):
            return exc.endpoint
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


#: Exception kinds and what they mean, first match wins (order matters: a TimeoutError is an
#: OSError, and the transports' TransportTimeout and AuthRefused are TransportErrors). Only the
#: transport family and Python's own exceptions (checks use raw and TLS sockets) are named here.
CLASSES: tuple[tuple[tuple[type[BaseException], ...], ErrorReason], ...] = (
    ((Inconclusive, HostKeyChanged), ErrorReason.INCONCLUSIVE),
    ((OutOfScope,), ErrorReason.OUT_OF_SCOPE),
    ((PermissionError,), ErrorReason.AUTH_FAILED),  # AuthRefused, ssh's LoginFailed
    ((TimeoutError,), ErrorReason.TIMEOUT),  # TransportTimeout, DeadlineExceeded, sockets
    (
        (Unresolvable, TransportError, ConnectionError, ssl.SSLError, EOFError),
        ErrorReason.CONNECTIVITY,
    ),
)


def describe(exc: BaseException) -> str:
    """The reason an error attempt records: the exception's type and message (for a
    TransportError, the type of the library exception it stands for)."""
    name = exc.origin if isinstance(exc, TransportError) else type(exc).__name__
    return f"{name}: {exc}"


def classify(exc: BaseException) -> ErrorReason:
    """Which kind of error an exception from a check means."""
    for kinds, reason in CLASSES:
        if isinstance(exc, kinds):
            return reason
    if isinstance(exc, OSError) and exc.errno in NETWORK_ERRNOS:
        return ErrorReason.CONNECTIVITY
    # Anything else, a FileNotFoundError or requests.InvalidURL included, is the check's defect.
    return ErrorReason.CHECK_BUG


class Executor:
    """Runs jobs under the limits and reports attempts in batches."""

    def __init__(self, services: RunServices, limits: Limits) -> None:
        self.services = services
        self.limits = limits
        self._work: queue.Queue[tuple[int, Job] | None] = queue.Queue()
        self._done: queue.Queue[tuple[int, Attempt]] = queue.Queue()
        self._started: dict[int, float] = {}
        self._lock = threading.Lock()

    def _worker(self) -> None:
        while True:
            item = self._work.get()
            if item is None:
                return
            job_id, job = item
            slots = self.services.host_slots
            if slots is None:
                attempt = self._run(job_id, job)
            else:  # the run's per-host cap across processes; the deadline starts once held
                cap = 1 if job.target.ot else self.limits.per_host
                with slots.hold(job.host_key, cap):
                    attempt = self._run(job_id, job)
            self._done.put((job_id, attempt))

    def _run(self, job_id: int, job: Job) -> Attempt:
        with self._lock:
            self._started[job_id] = time.monotonic()
        return run_job(job, self.services, self.limits.check_timeout)

    def _spawn(self, count: int) -> None:
        for _ in range(count):
            # Daemon threads: an abandoned (hung) check must not keep the process alive.
            threading.Thread(target=self._worker, daemon=True, name="check-worker").start()

    def execute(
        self,
        jobs: Iterable[Job],
        on_attempts: Callable[[list[Attempt]], None],
        stop: Callable[[], object] | None = None,
        idle: Callable[[], None] | None = None,
        more: More | None = None,
    ) -> None:
        """Run every job; call ``on_attempts`` with each batch of finished attempts, and
        ``idle`` whenever a tick (0.1 s) ends with none (the caller may store other things).

        ``more`` streams jobs that become ready later (a host's discovery done): it is called
        on this thread at every tick and returns the new jobs, or None once no more will ever
        come; until then the executor keeps running. ``stop`` (a scan window closing, a signal)
        is asked before each job is handed to a worker: once it answers true, no further job
        starts and those in flight finish.
        """
        state = _Pending(self, stop)
        state.add(jobs)
        streaming = more is not None
        try:
            while state.inflight or (streaming and not state.stopped):
                if more is not None and streaming:
                    new = more()
                    streaming = new is not None
                    if new:
                        state.add(new)
                if not state.inflight:
                    if streaming:  # nothing runs yet: wait for discovery (or a stop request)
                        state.stopped = state.stopped or bool(stop is not None and stop())
                        time.sleep(0.02)
                    continue
                batch = self._collect(state.inflight, state.per_host, state.release)
                batch += self._abandon_overdue(state.inflight, state.per_host, state.release)
                if batch:
                    on_attempts(batch)
                elif idle is not None:
                    idle()
        finally:
            for _ in range(state.spawned):
                self._work.put(None)

    def _collect(
        self, inflight: dict[int, Job], per_host: dict[str, int], feed: Callable[[Job], None]
    ) -> list[Attempt]:
        batch: list[Attempt] = []
        try:
            item: tuple[int, Attempt] | None = self._done.get(timeout=0.1)
        except queue.Empty:
            return batch
        while item is not None:
            job_id, attempt = item
            job = inflight.pop(job_id, None)
            if job is not None:  # else it was abandoned and already recorded as a timeout
                self._finish(job_id, job, per_host, feed)
                batch.append(attempt)
            try:
                item = self._done.get_nowait() if len(batch) < 500 else None
            except queue.Empty:
                item = None
        return batch

    def _finish(
        self, job_id: int, job: Job, per_host: dict[str, int], feed: Callable[[Job], None]
    ) -> None:
        with self._lock:
            self._started.pop(job_id, None)
        per_host[job.host_key] -= 1
        feed(job)

    def _abandon_overdue(
        self, inflight: dict[int, Job], per_host: dict[str, int], feed: Callable[[Job], None]
    ) -> list[Attempt]:
        now = time.monotonic()
        limit = self.limits.check_timeout + GRACE
        with self._lock:
            overdue = [(j, s) for j, s in self._started.items() if now - s > limit]
        batch = []
        for job_id, started in overdue:
            job = inflight.pop(job_id, None)
            if job is None:
                continue
            self._finish(job_id, job, per_host, feed)
            self._spawn(1)  # the hung worker is lost; keep the pool at strength
            batch.append(
                Attempt(
                    check_id=job.check.id,
                    entity_id=job.target.entity_id,
                    asset_id=job.target.asset_id,
                    location=job.target.location,
                    status=AttemptStatus.ERROR,
                    error_reason=ErrorReason.TIMEOUT,
                    reason=f"the check did not end within its {self.limits.check_timeout:g} s "
                    "deadline and was abandoned",
                    started_at=time.time() - (now - started),
                    duration=now - started,
                    check_sha256=job.check.code_sha256,
                    credential_tries=self.services.ledger.tries(job.key),
                )
            )
        return batch


class _Pending:
    """The jobs of one :meth:`Executor.execute` not started yet, by host, and those in flight;
    the pool grows with the work, up to its cap."""

    def __init__(self, executor: Executor, stop: Callable[[], object] | None) -> None:
        self.executor = executor
        self.stop = stop
        self.by_host: dict[str, _HostQueue] = {}
        self.per_host: dict[str, int] = {}
        self.inflight: dict[int, Job] = {}
        self.counter = itertools.count()
        self.spawned = 0
        self.stopped = False

    def add(self, new: Iterable[Job]) -> None:
        """Queue ``new`` jobs and start what the caps allow."""
        hosts = []
        for job in new:
            host = job.host_key
            if host not in self.by_host:
                self.by_host[host] = _HostQueue()
                self.per_host[host] = 0
            self.by_host[host].append((next(self.counter), job))
            hosts.append(host)
        waiting = sum(len(q) for q in self.by_host.values()) + len(self.inflight)
        wanted = min(self.executor.limits.workers, waiting)
        if wanted > self.spawned:
            self.executor._spawn(wanted - self.spawned)
            self.spawned = wanted
        for host in dict.fromkeys(hosts):
            self.feed(host)

    def release(self, job: Job) -> None:
        """``job`` ended (or was abandoned): its host may start another."""
        self.by_host[job.host_key].ended(job)
        self.feed(job.host_key)

    def feed(self, host: str) -> None:
        """Start ``host``'s next jobs up to its cap, asking ``stop`` before each."""
        pending = self.by_host[host]
        cap = self.executor.limits.per_host
        # An ot host gets one check at a time: PLCs fall over under parallel sessions.
        while pending and self.per_host[host] < (1 if pending.peek().target.ot else cap):
            if not pending.may_start(max(1, cap // 2)) and self.per_host[host]:
                return  # keep slots for the host's other checks (see _HostQueue)
            if self.stopped or (self.stop is not None and self.stop()):
                self.stopped = True
                return
            job_id, job = pending.popleft()
            self.per_host[host] += 1
            self.inflight[job_id] = job
            self.executor._work.put((job_id, job))


class _HostQueue:
    """One host's jobs not started yet, by (asset, check family): the next job comes from the
    group with the fewest jobs running, in turn. An asset's checks of one family often wait for
    one shared fetch (a TLS scan, a page, an SSH login) that the first of them makes: the host's
    slots all held by such waiters would keep its other checks (those of an asset discovered
    later, too) from starting."""

    def __init__(self) -> None:
        self._groups: dict[tuple[str, str], deque[tuple[int, Job]]] = {}
        self._running: dict[tuple[str, str], int] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    @staticmethod
    def _group(job: Job) -> tuple[str, str]:
        return (f"{job.target.entity_id}/{job.target.asset_id}", job.check.meta.family)

    def append(self, item: tuple[int, Job]) -> None:
        group = self._group(item[1])
        self._groups.setdefault(group, deque()).append(item)
        self._running.setdefault(group, 0)
        self._count += 1

    def may_start(self, share: int) -> bool:
        """Whether the next job's group runs fewer than ``share`` jobs (a group holds at most
        that share of the host's slots, so one arriving later finds some free)."""
        return self._running[self._next()] < share

    def _next(self) -> tuple[str, str]:
        # dicts keep insertion order: ties go to the group queued first
        return min(self._groups, key=lambda g: self._running[g])

    def peek(self) -> Job:
        return self._groups[self._next()][0][1]

    def popleft(self) -> tuple[int, Job]:
        group = self._next()
        queue_ = self._groups[group]
        item = queue_.popleft()
        if not queue_:
            del self._groups[group]
        else:  # to the back: its next job waits for the other groups' turn
            self._groups[group] = self._groups.pop(group)
        self._running[group] += 1
        self._count -= 1
        return item

    def ended(self, job: Job) -> None:
        """A job of this host ended."""
        self._running[self._group(job)] -= 1
