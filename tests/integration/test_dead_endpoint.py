"""A dead or dripping endpoint costs one deadline, not one per check: once it has stalled a
check, the run's later checks of it end at once as could-not-verify, citing the first failure.

The peers are real sockets on loopback (tests/hostile.py): one that drips a byte a second, one
that accepts and never says a word. Every web check runs against each, through the executor
with the engine's own per-host cap, as a run would.
"""

from __future__ import annotations

import time

import pytest

from scanner.core.models import Attempt, AttemptStatus, ErrorReason
from scanner.engine.context import CheckContext, RunServices
from scanner.engine.executor import Executor, Limits
from scanner.engine.plan import Job
from scanner.engine.registry import discover
from scanner.transport.ratelimit import TokenBucket
from tests.helpers import LOOPBACK_ONLY, url_target
from tests.hostile import hostile_server

DEADLINE = 3.0
PER_HOST = 4


@pytest.mark.parametrize("mode", ["drip", "silent"])
def test_a_stalling_endpoint_costs_one_deadline(mode: str) -> None:
    web = [c for c in discover(entry_points=False).sorted() if c.meta.family == "web"]
    assert len(web) >= 10
    services = RunServices(guard=LOOPBACK_ONLY, bucket=TokenBucket(1000))
    got: list[Attempt] = []
    with hostile_server(mode) as (address, port):
        url = f"http://{address}:{port}/"
        jobs = [Job(check, url_target(url, address)) for check in web]
        limits = Limits(workers=16, per_host=PER_HOST, check_timeout=DEADLINE)
        Executor(services, limits).execute(jobs, got.extend)
    assert len(got) == len(web)
    waited = [a for a in got if a.duration >= DEADLINE * 0.9]
    # at most the first wave (the per-host cap) waited for the deadline; the rest ended at once,
    # refused as unresponsive or answered by the run's one (failed) fetch of the page
    assert len(waited) <= PER_HOST, [(a.check_id, a.duration, a.reason) for a in waited]
    assert sum(a.duration for a in got) <= (PER_HOST + 1) * DEADLINE
    assert any("endpoint unresponsive" in a.reason for a in got)
    for attempt in got:
        assert attempt.status == AttemptStatus.ERROR
        assert attempt.error_reason == ErrorReason.TIMEOUT
        assert f"{address} port {port} stalled" in attempt.reason  # the first failure's words
    assert not [a for a in got if a.status in (AttemptStatus.PASS, AttemptStatus.FAIL)]


def test_a_slow_check_on_a_healthy_endpoint_marks_nothing() -> None:
    # A check's own short probe timing out (a probe wait shorter than the deadline) is not the
    # endpoint stalling: nothing is remembered, so the next connection is tried.
    services = RunServices(guard=LOOPBACK_ONLY, bucket=TokenBucket(1000))

    with hostile_server("silent") as (address, port):
        ctx = CheckContext(services, "test.probe", time.monotonic() + 10)
        with ctx.connect(address, port) as conn, pytest.raises(TimeoutError) as info:
            conn.recv(16, timeout=0.3)
        assert "stalled" not in str(info.value)
        with ctx.connect(address, port):  # not refused: the endpoint was not marked
            pass
