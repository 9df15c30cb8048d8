"""The engine turns every check outcome into exactly one honest attempt, whatever the check does."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Finding,
    Inconclusive,
    ServiceTarget,
    Severity,
    Target,
)
from scanner.core.models import Attempt, AttemptStatus, ErrorReason
from scanner.engine.context import RunServices
from scanner.engine.executor import Executor, Limits
from scanner.engine.plan import Job
from scanner.scope.guard import ScopeGuard
from scanner.transport.ratelimit import TokenBucket
from tests.helpers import LOOPBACK_ONLY, loaded, run_check, service_target
from tests.hostile import hostile_server


class _Base(Check):
    family = "test"
    severity = Severity.LOW
    applies_to = AppliesTo(services=("thing",))
    remediation = "nothing to remediate in a test"


class Crashes(_Base):
    id = "test.crashes"
    title = "A check with a bug"

    def run(self, target: Target, ctx: CheckContext) -> Iterator[Finding]:
        raise KeyError("oops")


class Hangs(_Base):
    id = "test.hangs"
    title = "A check that ignores its deadline"

    def run(self, target: Target, ctx: CheckContext) -> Iterator[Finding]:
        time.sleep(8)  # not ctx.sleep: a badly written check the engine must still contain
        yield from ()


class Undecided(_Base):
    id = "test.undecided"
    title = "A check that cannot tell"

    def run(self, target: Target, ctx: CheckContext) -> Iterator[Finding]:
        raise Inconclusive("the answer was ambiguous")


class Reads(_Base):
    id = "test.reads"
    title = "A check that reads until a marker"

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        with ctx.connect(target.address, target.service.port, read_limit=1 << 20) as conn:
            data = conn.recv_until(b"\r\n", max_bytes=1 << 20)
        yield self.finding(target, data)


class Counts(_Base):
    id = "test.counts"
    title = "A check that records concurrency"
    running: dict[str, int] = {}  # noqa: RUF012 - shared counter across instances, on purpose
    peak: dict[str, int] = {}  # noqa: RUF012
    lock = threading.Lock()

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        with self.lock:
            self.running[target.address] = self.running.get(target.address, 0) + 1
            self.peak[target.address] = max(
                self.peak.get(target.address, 0), self.running[target.address]
            )
        time.sleep(0.02)
        with self.lock:
            self.running[target.address] -= 1
        yield from ()


def _services() -> RunServices:
    return RunServices(guard=LOOPBACK_ONLY, bucket=TokenBucket(10000))


def test_crash_is_an_error_with_traceback() -> None:
    attempt = run_check(Crashes, service_target("127.0.0.1", 1, "thing"))
    assert attempt.status == AttemptStatus.ERROR
    assert attempt.error_reason == ErrorReason.CHECK_BUG
    assert "KeyError" in attempt.reason and "raise KeyError" in attempt.traceback


def test_inconclusive_is_an_error_never_a_pass() -> None:
    attempt = run_check(Undecided, service_target("127.0.0.1", 1, "thing"))
    assert (attempt.status, attempt.error_reason) == (AttemptStatus.ERROR, ErrorReason.INCONCLUSIVE)


def test_out_of_scope_connection_is_refused_and_recorded() -> None:
    attempt = run_check(
        Reads,
        service_target("127.0.0.1", 9, "thing"),
        services=RunServices(guard=_guard_127_0_10(), bucket=TokenBucket(100)),
    )
    assert attempt.error_reason == ErrorReason.OUT_OF_SCOPE


def _guard_127_0_10() -> ScopeGuard:
    return ScopeGuard(["127.0.10.0/24"])


def test_hung_check_is_abandoned_and_the_run_goes_on() -> None:
    jobs = [
        Job(loaded(Hangs), service_target("127.0.0.1", 1, "thing")),
        Job(loaded(Crashes), service_target("127.0.0.2", 1, "thing")),
    ]
    got: list[Attempt] = []
    start = time.monotonic()
    Executor(_services(), Limits(workers=2, per_host=1, check_timeout=0.5)).execute(
        jobs, got.extend
    )
    assert time.monotonic() - start < 5  # abandoned at deadline + grace, not after 8 s
    by_check = {a.check_id: a for a in got}
    assert by_check["test.hangs"].error_reason == ErrorReason.TIMEOUT
    assert by_check["test.crashes"].error_reason == ErrorReason.CHECK_BUG


def test_per_host_cap_is_respected() -> None:
    jobs = [
        Job(loaded(Counts), service_target(f"127.0.0.{h}", p, "thing"))
        for h in (1, 2)
        for p in range(12)
    ]
    got: list[Attempt] = []
    Executor(_services(), Limits(workers=8, per_host=2, check_timeout=5)).execute(jobs, got.extend)
    assert len(got) == 24 and all(a.status == AttemptStatus.PASS for a in got)
    assert max(Counts.peak.values()) <= 2


def test_stop_starts_no_further_job() -> None:
    # A scan window closing: once stop answers true, no job is handed out; those running finish.
    jobs = [Job(loaded(Counts), service_target("127.0.0.3", p, "thing")) for p in range(20)]
    handed: list[int] = []
    got: list[Attempt] = []

    def stop() -> bool:
        handed.append(1)
        return len(handed) > 3  # asked before each hand-out: three jobs get out

    Executor(_services(), Limits(workers=8, per_host=2, check_timeout=5)).execute(
        jobs, got.extend, stop
    )
    assert len(got) == 3 and all(a.status == AttemptStatus.PASS for a in got)


def test_endless_stream_costs_bounded_memory() -> None:
    with hostile_server("endless") as (address, port):
        attempt = run_check(Reads, service_target(address, port, "thing"), timeout=5)
    # The read stops at its 1 MiB cap and the evidence is cut to the evidence limit.
    assert attempt.status == AttemptStatus.FAIL
    assert len(attempt.findings[0].evidence) <= 2000


def test_slow_drip_ends_at_the_deadline() -> None:
    with hostile_server("drip") as (address, port):
        start = time.monotonic()
        attempt = run_check(Reads, service_target(address, port, "thing"), timeout=2)
    assert time.monotonic() - start < 4
    assert attempt.error_reason == ErrorReason.TIMEOUT


def test_control_characters_never_reach_evidence() -> None:
    with hostile_server("controls") as (address, port):
        attempt = run_check(Reads, service_target(address, port, "thing"), timeout=3)
    evidence = attempt.findings[0].evidence
    assert "\x1b" not in evidence and "\x07" not in evidence and "\x00" not in evidence
    assert "\\x1b[2J" in evidence


class Misuses(_Base):
    id = "test.misuses"
    title = "A check with a file-system bug"

    def run(self, target: Target, ctx: CheckContext) -> Iterator[Finding]:
        with open("/nonexistent/file", encoding="utf-8") as handle:  # an OSError, not a network one
            yield self.finding(target, handle.read())


def test_local_os_errors_are_check_bugs_not_connectivity() -> None:
    attempt = run_check(Misuses, service_target("127.0.0.1", 1, "thing"))
    assert attempt.error_reason == ErrorReason.CHECK_BUG and attempt.traceback


def test_jobs_stream_in_while_others_run() -> None:
    # A pipelined run: the first job runs before the others are known; streamed jobs keep the
    # per-host cap; the executor ends only once ``more`` says nothing more will come.
    first = [Job(loaded(Counts), service_target("127.0.0.4", 1, "thing"))]
    later = [Job(loaded(Counts), service_target("127.0.0.5", p, "thing")) for p in range(10)]
    got: list[Attempt] = []
    started = time.monotonic()
    calls: list[float] = []

    def more() -> list[Job] | None:
        calls.append(time.monotonic() - started)
        if calls[-1] < 0.3:
            return []  # still discovering
        if later:
            batch = list(later)
            later.clear()
            return batch
        return None

    Executor(_services(), Limits(workers=8, per_host=2, check_timeout=5)).execute(
        first, got.extend, more=more
    )
    assert len(got) == 11 and all(a.status == AttemptStatus.PASS for a in got)
    assert got[0].location == first[0].target.location  # it did not wait for the rest
    assert got[0].started_at < min(a.started_at for a in got[1:])
    assert Counts.peak["127.0.0.5"] <= 2
    assert calls[-1] >= 0.3


def test_stop_ends_the_wait_for_streamed_jobs() -> None:
    # A scan window closing while discovery still runs: the executor stops waiting for it.
    got: list[Attempt] = []
    Executor(_services(), Limits(workers=2, per_host=2, check_timeout=5)).execute(
        [], got.extend, stop=lambda: True, more=lambda: []
    )
    assert got == []


class Waits(_Base):
    id = "test.waits"
    title = "A check that waits for a shared fetch, holding its slot"
    family = "waiting"

    def run(self, target: Target, ctx: CheckContext) -> Iterator[Finding]:
        time.sleep(1.0)
        yield from ()


def test_a_group_of_waiters_leaves_the_host_slots_for_later_checks() -> None:
    # Eight checks of one family that all wait (as for one TLS scan) hold at most half the
    # host's slots, so a check of that host streamed in later starts at once, not after them.
    waiting = [Job(loaded(Waits), service_target("127.0.0.6", p, "thing")) for p in range(8)]
    later = [Job(loaded(Counts), service_target("127.0.0.6", 99, "thing"))]
    got: list[Attempt] = []
    begun = time.time()

    def more() -> list[Job] | None:
        if later:
            batch = list(later)
            later.clear()
            return batch
        return None

    Executor(_services(), Limits(workers=8, per_host=4, check_timeout=5)).execute(
        waiting, got.extend, more=more
    )
    assert len(got) == 9
    [counted] = [a for a in got if a.check_id == Counts.id]
    assert counted.started_at - begun < 0.8  # before the first waiter ended (1 s)
