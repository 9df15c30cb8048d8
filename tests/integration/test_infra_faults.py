"""Infrastructure faults in the middle of a distributed run (real redis-server, PostgreSQL and
`scanner worker` processes on loopback, the lab's weak and hardened hosts as targets): the
store restarted, the broker restarted, the coordinator SIGKILLed. Each time the run completes
(or is completed by ``--resume``) with the findings of an undisturbed local run, and no attempt
or finding stored twice. (The SQLite store's disk filling up: tests/integration/test_disk_full.py.)

Every server and process here is started by this module and stopped by PID.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.core.models import AttemptStatus
from scanner.store import Store
from tests.integration.test_distributed import (
    Workers,
    assert_same_as_local,
    distributed_run,
    finish,
    identity,
    inventory,
    local,
    scanner,
)
from tests.pg import Postgres, Redis

pytestmark = pytest.mark.lab
__all__ = ["inventory", "local"]  # the reference run and its inventory, shared fixtures


def wait_for_a_job_attempt(db: str, coordinator: subprocess.Popen[str]) -> int:
    """The run's id once a worker has stored a job's attempt (the run is mid-way)."""
    store = Store.open(db)
    deadline = time.monotonic() + 120
    try:
        while True:
            for run in store.runs.recent():
                if any(
                    store.attempts.of_run(run.id, s)
                    for s in (AttemptStatus.PASS, AttemptStatus.FAIL)
                ):
                    return run.id
            assert time.monotonic() < deadline, "no job attempt was stored in 120 s"
            assert coordinator.poll() is None, coordinator.communicate()
            time.sleep(0.1)
    finally:
        store.close()


@pytest.fixture
def redis_server() -> Iterator[Redis]:
    with Redis(persistent=True) as server:
        yield server


@pytest.fixture
def workers(
    postgres: Postgres, redis_server: Redis, tmp_path: Path, inventory: Path
) -> Iterator[Workers]:
    group = Workers(
        redis_server.url, postgres.create_database(), tmp_path, inventory.parent / "slow"
    )
    try:
        yield group
    finally:
        group.stop()


def test_the_store_restarted_mid_run(
    local: dict[str, Any], inventory: Path, workers: Workers, postgres: Postgres
) -> None:
    workers.start("one", 5), workers.start("two", 5)
    coordinator = distributed_run(workers, inventory)
    wait_for_a_job_attempt(workers.db, coordinator)
    postgres.restart(down_for=3)  # every connection cut, the server gone for 3 s
    result = finish(coordinator)
    assert_same_as_local(result, local, workers.db)


def test_the_broker_restarted_mid_run(
    local: dict[str, Any], inventory: Path, workers: Workers, redis_server: Redis
) -> None:
    workers.start("one", 5), workers.start("two", 5)
    coordinator = distributed_run(workers, inventory)
    wait_for_a_job_attempt(workers.db, coordinator)
    redis_server.restart(down_for=2)  # its queue and unacknowledged tasks are in its AOF
    result = finish(coordinator)
    assert_same_as_local(result, local, workers.db)


def test_the_coordinator_sigkilled_then_resumed(
    local: dict[str, Any], inventory: Path, workers: Workers
) -> None:
    workers.start("one", 5), workers.start("two", 5)
    coordinator = distributed_run(workers, inventory)
    run_id = wait_for_a_job_attempt(workers.db, coordinator)
    os.kill(coordinator.pid, signal.SIGKILL)
    coordinator.communicate(timeout=30)
    resumed = scanner(
        *("run", str(inventory), "--profile", "remote", "--json", "--db", workers.db),
        *("--broker", workers.broker, "--wait-timeout", "180", "--resume", str(run_id)),
    )
    result = finish(resumed)
    assert result["run"] == run_id and result["status"] == "completed"
    assert identity(result) == identity(local)
    # this invocation counts only what it waited for; the store holds the whole run, once
    store = Store.open(workers.db)
    attempts = store.attempts.of_run(run_id)
    assert len({a.key for a in attempts}) == len(attempts) == sum(local["attempts"].values())
    store.close()
