"""Scale-out: a run on `scanner worker` processes (real redis-server and PostgreSQL on
loopback) finds what the local run finds, survives a worker killed mid-job, fails clearly when
no worker comes and is finished by --resume; forged messages on the broker and a worker with
another key run nothing (the worker's checks of each task one by one are
tests/unit/distributed/).

Every server and worker here is started by this module on ports it picked and stopped by PID.
The lab inventory adds a slow check (a few seconds per host, from a check folder the inventory
names and the workers are given with --checks-dir) so that a worker can be caught in the middle
of an asset's jobs. Workers get the broker from SCANNER_BROKER, the coordinator with --broker.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.core.models import AttemptStatus
from scanner.distributed.app import TASK, make_app
from scanner.distributed.wire import KEY_ENV, Task, seal
from scanner.store import Store
from tests.conftest import REPO
from tests.helpers import write
from tests.lab import lab
from tests.pg import Postgres, Redis, free_port

SLOW_CHECK = '''\
"""A test check that takes a few seconds per host and reports it, so a test can kill a worker
while an asset's jobs are still running and then count the finding exactly once."""

import time

from scanner.api import AppliesTo, AssetKind, Check, Finding, Severity


class Slow(Check):
    id = "net.slow-test"
    title = "A slow check for the scale-out tests"
    family = "network"
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.HOST,))
    remediation = "Nothing to remediate here."

    def run(self, target, ctx):
        time.sleep(3)
        yield Finding(self.id, target.entity_id, target.asset_id, "host", self.severity,
                      f"{target.address} inspected slowly")
'''

INVENTORY = """\
campaign:
  name: scale-out test
  authority: test office
  authorization:
    reference: T-1
    issued_by: test
    valid_from: 2026-01-01
    valid_until: 2030-12-31
scope:
  allow: [127.0.10.0/24]
entities:
  - id: ent
    name: Entity
    sector: energy
    assets:
      - id: weak
        host: 127.0.10.1
      - id: hard
        host: 127.0.10.2
profiles:
  remote:
    families: [network, web]
    ports: 21,22,23,80,443,1883,6379
checks:
  dirs: [slow]
rate_limits:
  check_timeout: 5
"""

RUN_TIMEOUT = 240  # seconds for any one scanner command
KEY = "scale-out-test-key-0123456789abcdef"


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scaleout")
    (folder / "slow").mkdir()
    write(folder / "slow" / "slow_test.py", SLOW_CHECK)
    return write(folder / "inv.yaml", INVENTORY)


def scanner(
    *args: str, log: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    out = log.open("w") if log else subprocess.PIPE
    return subprocess.Popen(
        [sys.executable, "-m", "scanner.cli", *args],
        cwd=REPO,
        env={**os.environ, KEY_ENV: KEY, **(env or {})},
        text=True,
        stdout=out,
        stderr=subprocess.STDOUT if log else subprocess.PIPE,
    )


def finish(proc: subprocess.Popen[str]) -> dict[str, Any]:
    stdout, stderr = proc.communicate(timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, stderr
    result: dict[str, Any] = json.loads(stdout)
    return result


def identity(result: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["fingerprint"], f["severity"]) for f in result["findings"]}


@pytest.fixture(scope="module")
def local(
    lab_state: lab.LabState, inventory: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """The reference: the same inventory run locally (threads, SQLite)."""
    db = tmp_path_factory.mktemp("local") / "scanner.db"
    result = finish(
        scanner("run", str(inventory), "--profile", "remote", "--json", "--db", f"sqlite:///{db}")
    )
    assert result["status"] == "completed" and result["findings"]
    assert ("net.slow-test", "ent", "weak") in {
        (f["check_id"], f["entity_id"], f["asset_id"]) for f in result["findings"]
    }
    return result


class Workers:
    """`scanner worker` processes of one test, stopped by PID at the end."""

    def __init__(self, broker: str, db: str, folder: Path, checks_dir: Path) -> None:
        self.broker, self.db, self.folder, self.checks_dir = broker, db, folder, checks_dir
        self.procs: list[subprocess.Popen[str]] = []

    def start(self, name: str, redelivery_after: float, key: str = KEY) -> subprocess.Popen[str]:
        # One asset at a time: the worker killed mid-job holds exactly one task.
        proc = scanner(
            "worker",
            "--checks-dir",
            str(self.checks_dir),
            "--db",
            self.db,
            "--name",
            f"{name}@test",
            "--redelivery-after",
            str(redelivery_after),
            "--concurrency",
            "1",
            log=self.folder / f"{name}.log",
            env={"SCANNER_BROKER": self.broker, KEY_ENV: key},
        )
        self.procs.append(proc)
        return proc

    def wait_ready(self, name: str) -> None:
        deadline = time.monotonic() + 60
        while "ready." not in self.log(name):
            assert time.monotonic() < deadline, self.log(name)
            time.sleep(0.2)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


@pytest.fixture
def cluster(postgres: Postgres, tmp_path: Path, inventory: Path) -> Iterator[tuple[Workers, str]]:
    """A fresh redis-server and database for one test, and its workers; stopped at the end."""
    db = postgres.create_database()
    with Redis() as redis:
        workers = Workers(redis.url, db, tmp_path, inventory.parent / "slow")
        try:
            yield workers, db
        finally:
            workers.stop()


def distributed_run(workers: Workers, inventory: Path) -> subprocess.Popen[str]:
    return scanner(
        "run",
        str(inventory),
        "--profile",
        "remote",
        "--json",
        "--db",
        workers.db,
        "--broker",
        workers.broker,
        "--wait-timeout",
        "180",
    )


def assert_same_as_local(result: dict[str, Any], local: dict[str, Any], db: str) -> None:
    assert result["status"] == "completed"
    assert identity(result) == identity(local)
    assert sum(result["attempts"].values()) == sum(local["attempts"].values())
    store = Store.open(db)
    attempts = store.attempts.of_run(result["run"])
    assert len({a.key for a in attempts}) == len(attempts) == sum(local["attempts"].values())
    found = store.attempts.findings(result["run"])
    assert len({f.fingerprint for f in found}) == len(found) == len(local["findings"])
    # Reconciled like a local run: one open issue per finding.
    assert sorted(i.fingerprint for i in store.issues.find()) == sorted(
        f.fingerprint for f in found
    )


@pytest.mark.lab
def test_two_workers_find_what_the_local_run_finds(
    local: dict[str, Any], inventory: Path, cluster: tuple[Workers, str]
) -> None:
    workers, db = cluster
    first, second = workers.start("one", 120), workers.start("two", 120)
    result = finish(distributed_run(workers, inventory))
    assert_same_as_local(result, local, db)
    assert first.poll() is None and second.poll() is None
    # Both assets' tasks ran, and no task was run twice.
    logs = workers.log("one") + workers.log("two")
    assert sorted(re.findall(r"run \d+ ent/(\w+): \d+ jobs run, 0 already stored", logs)) == [
        "hard",
        "weak",
    ]


@pytest.mark.lab
def test_a_worker_killed_mid_job_is_replaced(
    local: dict[str, Any], inventory: Path, cluster: tuple[Workers, str]
) -> None:
    workers, db = cluster
    doomed = workers.start("doomed", 120)
    coordinator = distributed_run(workers, inventory)
    store = Store.open(db)
    # The doomed worker is the only one: once an attempt of a job (pass or fail; the
    # coordinator itself stores only skipped and not-applicable ones) is stored, it is inside
    # an asset's jobs, its slow check still sleeping.
    deadline = time.monotonic() + 120
    while not any(
        store.attempts.of_run(run, status)
        for run in [r.id for r in store.runs.recent()]
        for status in (AttemptStatus.PASS, AttemptStatus.FAIL)
    ):
        assert time.monotonic() < deadline, "no job attempt was stored in 120 s"
        assert coordinator.poll() is None, coordinator.communicate()
        time.sleep(0.1)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=10)
    # The survivor gets the other asset at once, and the doomed worker's asset when the
    # broker gives its unacknowledged task again (after 5 s).
    workers.start("survivor", 5)
    result = finish(coordinator)
    assert_same_as_local(result, local, db)
    survivor = workers.log("survivor")
    redone = re.findall(
        r"run \d+ ent/(\w+): ([1-9]\d*) jobs run, ([1-9]\d*) already stored", survivor
    )
    # the killed task, finished without redoing stored jobs (a task the broker gave again while
    # it ran finds all its jobs stored: "0 jobs run", harmless)
    assert len(redone) == 1, survivor


UNREACHABLE = (
    INVENTORY.partition("entities:")[0].replace("127.0.10.0/24", "127.0.0.1/32")
    + """\
entities:
  - id: ent
    name: Entity
    sector: energy
    assets:
      - id: site
        url: http://127.0.0.1:{port}/
profiles:
  web:
    families: [web]
"""
)


def test_no_worker_fails_the_run_and_resume_finishes_it(
    cluster: tuple[Workers, str], tmp_path: Path
) -> None:
    workers, db = cluster
    inv = write(tmp_path / "inv.yaml", UNREACHABLE.format(port=free_port()))
    args = ["run", str(inv), "--profile", "web", "--db", db, "--broker", workers.broker]
    waited = scanner(*args, "--wait-timeout", "2")
    _, stderr = waited.communicate(timeout=RUN_TIMEOUT)
    assert waited.returncode == 2, stderr
    assert "attempts did not arrive within 2 s" in stderr and "--resume 1" in stderr
    store = Store.open(db)
    assert store.runs.get(1).status == "failed"
    workers.start("late", 120)
    resumed = finish(scanner(*args, "--resume", "1", "--json"))
    assert resumed["run"] == 1 and resumed["status"] == "completed"
    # The web checks could not connect: error attempts, each stored once.
    assert len(store.attempts.of_run(1)) == len({a.key for a in store.attempts.of_run(1)}) > 0
    assert {a.status for a in store.attempts.of_run(1)} <= {"error", "not_applicable", "skipped"}


def test_an_unreachable_broker_is_a_clear_error(tmp_path: Path) -> None:
    port = free_port()
    proc = scanner(
        "worker",
        "--broker",
        f"redis://:secret@127.0.0.1:{port}/0",
        "--db",
        f"sqlite:///{tmp_path / 'scanner.db'}",
    )
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert f"cannot reach the broker redis://:***@127.0.0.1:{port}/0" in stderr
    assert "secret" not in stderr


def test_no_task_key_is_a_clear_error(tmp_path: Path) -> None:
    inv = write(tmp_path / "inv.yaml", UNREACHABLE.format(port=free_port()))
    broker = "redis://127.0.0.1:1/0"  # never reached: the key is checked first
    for args in (["worker", "--broker", broker], ["run", str(inv), "--profile", "web"]):
        proc = scanner(
            *args, "--db", f"sqlite:///{tmp_path / 'scanner.db'}",
            env={KEY_ENV: "", "SCANNER_BROKER": broker},
        )  # fmt: skip
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 2, stderr
        assert f"{KEY_ENV} is not set" in stderr and "secrets.token_hex" in stderr, stderr


EVIL = "from pathlib import Path\nPath({mark!r}).write_text('imported')\n"


def test_forged_messages_on_the_broker_run_nothing(
    cluster: tuple[Workers, str], tmp_path: Path
) -> None:
    workers, _ = cluster
    evil, mark = tmp_path / "evil", tmp_path / "imported"
    evil.mkdir()
    write(evil / "evil_check.py", EVIL.format(mark=str(mark)))
    workers.start("target", 120)
    workers.wait_ready("target")
    task = Task(1, "0" * 64, "ent", "weak", ("0" * 64,))
    forged = [
        # The format of earlier versions: jobs and the check folders to load them from.
        {"run": 1, "sha256": "0" * 64, "entity": "ent", "asset": "weak",
         "checks_dirs": [str(evil)], "jobs": []},
        seal(task, b"not-the-workers-key-at-all-0123456789"),  # signed with another key
        {**seal(task, KEY.encode()), "checks_dirs": [str(evil)]},  # signed, then extended
    ]  # fmt: skip
    app = make_app(workers.broker)
    with app.producer_or_acquire() as producer:
        for message in forged:
            app.send_task(TASK, args=[message], producer=producer)
        app.send_task(TASK, args=[], kwargs={"checks_dirs": [str(evil)]}, producer=producer)
    deadline = time.monotonic() + 60
    while workers.log("target").count("refused a task: unsigned or altered") < 4:
        assert time.monotonic() < deadline, workers.log("target")
        time.sleep(0.2)
    assert not mark.exists()
    assert workers.procs[0].poll() is None  # refused, and still serving


def test_a_worker_with_another_key_refuses_every_task(
    cluster: tuple[Workers, str], tmp_path: Path
) -> None:
    workers, db = cluster
    workers.start("stranger", 120, key="another-key-than-the-coordinators-0123")
    workers.wait_ready("stranger")
    inv = write(tmp_path / "inv.yaml", UNREACHABLE.format(port=free_port()))
    args = ["run", str(inv), "--profile", "web", "--db", db, "--broker", workers.broker]
    proc = scanner(*args, "--wait-timeout", "15")
    _, stderr = proc.communicate(timeout=RUN_TIMEOUT)
    assert proc.returncode == 2 and "did not arrive within 15 s" in stderr, stderr
    assert "refused a task: unsigned or altered message" in workers.log("stranger")
    assert "jobs run" not in workers.log("stranger")
    # Only what the coordinator decided itself is stored: no job ran.
    assert {a.status for a in Store.open(db).attempts.of_run(1)} <= {"not_applicable", "skipped"}
