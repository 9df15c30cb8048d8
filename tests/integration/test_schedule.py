"""Scheduling: due times (time zones, DST, windows across midnight), the catch-up policies, the
store lock, bad schedule input, and real scheduler processes running the lab.

The unit tests inject the clock: every function of ``scanner.schedule.due`` takes ``now``/``after``
as a parameter, the lock functions take ``now``, and ``Scheduler`` takes a ``clock`` callable
(the window test shifts it so that a scan window closes a few seconds into a real run).
"""

from __future__ import annotations

import itertools
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from scanner.app.scheduler import Scheduler
from scanner.cli.main import main
from scanner.inventory.schema import Schedule, load_inventory
from scanner.schedule.due import decide, in_window, next_due, prev_due, upcoming, window_close
from scanner.store import Store
from tests.conftest import REPO
from tests.helpers import write
from tests.lab import lab
from tests.unit.inventory.test_schema import MINIMAL


def at(
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    *,
    tz: str = "UTC",
) -> float:
    return datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo(tz)).timestamp()


def local(moment: float, tz: str) -> str:
    return datetime.fromtimestamp(moment, ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M%z")


# -- due times ---------------------------------------------------------------------------------
def test_weekly_due_times_in_a_time_zone() -> None:
    s = Schedule(cron="0 22 * * 1", timezone="Asia/Shanghai")
    due = upcoming(s, at(2026, 11, 29, 12, tz="Asia/Shanghai"), 2)  # a Sunday
    assert [local(d, "Asia/Shanghai") for d in due] == [
        "2026-11-30 22:00+0800",
        "2026-12-07 22:00+0800",
    ]
    assert due[0] == at(2026, 11, 30, 14)  # 14:00 UTC
    assert next_due(s, due[0]) == due[1]  # strictly after
    assert prev_due(s, due[1]) == due[1]  # at or before


def test_seconds_field_comes_first() -> None:
    s = Schedule(cron="*/20 * * * * *")
    assert upcoming(s, at(2026, 1, 1, 0, 0), 3) == [
        at(2026, 1, 1) + 20,
        at(2026, 1, 1) + 40,
        at(2026, 1, 1, 0, 1),
    ]


def test_dst_repeated_hour_runs_once_and_skipped_hour_runs_after_the_gap() -> None:
    berlin = "Europe/Berlin"
    daily = Schedule(cron="30 2 * * *", timezone=berlin)
    autumn = upcoming(daily, at(2026, 10, 24, 12, tz=berlin), 3)
    assert [local(d, berlin) for d in autumn] == [
        "2026-10-25 02:30+0200",
        "2026-10-26 02:30+0100",
        "2026-10-27 02:30+0100",
    ]
    spring = upcoming(daily, at(2026, 3, 28, 12, tz=berlin), 2)
    assert [local(d, berlin) for d in spring] == ["2026-03-29 03:00+0200", "2026-03-30 02:30+0200"]


def test_window_across_midnight() -> None:
    shanghai = "Asia/Shanghai"
    s = Schedule(cron="0 * * * *", timezone=shanghai, window="22:00-05:00")
    assert in_window(s, at(2026, 6, 1, 23, 30, tz=shanghai))
    assert in_window(s, at(2026, 6, 2, 4, 59, tz=shanghai))
    assert not in_window(s, at(2026, 6, 2, 5, 0, tz=shanghai))  # [open, close)
    assert not in_window(s, at(2026, 6, 2, 12, 0, tz=shanghai))
    due = upcoming(s, at(2026, 6, 1, 12, tz=shanghai), 8)
    assert [local(d, shanghai)[11:16] for d in due] == [
        "22:00",
        "23:00",
        "00:00",
        "01:00",
        "02:00",
        "03:00",
        "04:00",
        "22:00",
    ]
    assert window_close(s, at(2026, 6, 1, 23, tz=shanghai)) == at(2026, 6, 2, 5, tz=shanghai)
    assert window_close(s, at(2026, 6, 2, 1, tz=shanghai)) == at(2026, 6, 2, 5, tz=shanghai)


# -- catch-up (the clock is the ``now`` argument) ----------------------------------------------
NIGHTLY = {"cron": "0 22 * * *"}


def test_on_time_due_time_runs() -> None:
    s = Schedule(**NIGHTLY)
    d = decide(s, at(2026, 1, 4, 22), now=at(2026, 1, 5, 22, 0, 5), since=0)
    assert d is not None and d.run == at(2026, 1, 5, 22) and d.missed == 0
    assert decide(s, at(2026, 1, 5, 22), now=at(2026, 1, 5, 23), since=0) is None


def test_first_start_misses_nothing_before_it() -> None:
    s = Schedule(**NIGHTLY)
    assert decide(s, None, now=at(2026, 1, 5, 23), since=at(2026, 1, 5, 22, 30)) is None


def test_catch_up_once_runs_only_the_latest_within_the_limit() -> None:
    s = Schedule(**NIGHTLY, catch_up="once", catch_up_within="2h")
    d = decide(s, at(2026, 1, 1, 22), now=at(2026, 1, 5, 23), since=0)
    assert d is not None and d.run == at(2026, 1, 5, 22)
    assert d.missed_at == at(2026, 1, 4, 22) and d.missed == 3
    assert "caught up 3600 s late" in d.note
    late = decide(s, at(2026, 1, 1, 22), now=at(2026, 1, 6, 1), since=0)
    assert late is not None and late.run is None and late.missed == 4
    assert "more than catch_up_within (2h)" in late.note


def test_catch_up_skip_runs_nothing_late() -> None:
    s = Schedule(**NIGHTLY, catch_up="skip")
    d = decide(s, at(2026, 1, 4, 22), now=at(2026, 1, 5, 22, 5), since=0)
    assert d is not None and d.run is None and d.missed_at == at(2026, 1, 5, 22)
    assert "catch_up: skip" in d.note


def test_no_run_starts_outside_the_window() -> None:
    s = Schedule(cron="0 22 * * *", window="22:00-23:00", catch_up_within="6h")
    d = decide(s, at(2026, 1, 4, 22), now=at(2026, 1, 5, 23, 30), since=0)
    assert d is not None and d.run is None and "scan window 22:00-23:00 closed" in d.note


# -- the lock ------------------------------------------------------------------------------------
def test_lock_is_exclusive_until_it_expires(db_url: str) -> None:
    store = Store.open(db_url)
    assert store.locks.acquire("p", "a", ttl=10, now=100)
    assert not store.locks.acquire("p", "b", ttl=10, now=105)
    assert store.locks.extend("p", "a", ttl=10, now=108)  # heartbeat: now until 118
    assert not store.locks.acquire("p", "b", ttl=10, now=115)
    assert store.locks.acquire("p", "b", ttl=10, now=119)  # expired: taken over
    assert not store.locks.extend("p", "a", ttl=10, now=120)  # a learns it lost it
    store.locks.release("p", "a")  # not a's any more: no effect
    assert store.locks.holder_of("p", now=120) == "b"
    store.locks.release("p", "b")
    assert store.locks.holder_of("p", now=120) is None


def test_lock_race_has_one_winner(db_url: str) -> None:
    store = Store.open(db_url)
    stores = [Store.open(db_url) for _ in range(8)]  # one engine each, like separate processes
    barrier = threading.Barrier(len(stores))
    won: list[str] = []

    def take(index: int) -> None:
        barrier.wait()
        if stores[index].locks.acquire("race", f"h{index}", ttl=30):
            won.append(f"h{index}")

    threads = [threading.Thread(target=take, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(won) == 1 and store.locks.holder_of("race") == won[0]


# -- bad input -----------------------------------------------------------------------------------
def scheduled(schedule: str, profile: str = "remote") -> str:
    return MINIMAL.replace(
        f"  {profile}:\n    modes: [remote]\n",
        f"  {profile}:\n    modes: [remote]\n    schedule:\n{schedule}",
    )


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ('      cron: "61 * * * *"\n', "profiles.remote.schedule.cron: '61 * * * *' is not a cron"),
        (
            '      cron: "0 22 * * 1"\n      timezone: Asia/Shanghia\n',
            "profiles.remote.schedule.timezone: 'Asia/Shanghia' is not an IANA time zone",
        ),
        (
            '      cron: "0 22 * * 1"\n      window: "22:00-25:00"\n',
            "profiles.remote.schedule.window: '22:00-25:00' is not a window",
        ),
        ('      cron: "0 22 * * 1"\n      catch_up: always\n', "profiles.remote.schedule.catch_up"),
        (
            '      cron: "0 22 * * 1"\n      catch_up_within: 6 hours\n',
            "'6 hours' is not a duration",
        ),
        ('      cron: "0 22 * * 1"\n      every: week\n', "unknown key 'every'"),
    ],
)
def test_bad_schedule_names_file_line_field(tmp_path: Path, schedule: str, expected: str) -> None:
    path = write(tmp_path / "inv.yaml", scheduled(schedule))
    result = CliRunner().invoke(main, ["schedule", "list", "--inventory", str(path)])
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    line = 22 + schedule.count("\n") - 1  # the schedule's last key: cron is on line 22
    assert f"inv.yaml:{line}: " in text and expected in text and "Fix:" in text


def test_schedule_that_never_runs_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path / "inv.yaml", scheduled('      cron: "0 12 * * *"\n      window: "22:00-05:00"\n')
    )
    result = CliRunner().invoke(main, ["schedule", "list", "--inventory", str(path)])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "inv.yaml:22: profiles.remote.schedule.cron" in text
    assert "no due time inside the window 22:00-05:00" in text


def test_schedule_list_shows_local_and_utc(tmp_path: Path, db_url: str) -> None:
    path = write(
        tmp_path / "inv.yaml",
        scheduled('      cron: "0 22 * * 1"\n      timezone: Asia/Shanghai\n'),
    )
    result = CliRunner().invoke(
        main, ["schedule", "list", "--inventory", str(path), "--count", "2", "--db", db_url]
    )
    assert result.exit_code == 0, result.output
    assert "Mon 22:00:00 CST (+0800)" in result.output and "14:00:00 UTC" in result.output
    assert "last: never ran" in result.output
    assert load_inventory(path).model.profiles["remote"].schedule is not None


# -- real schedulers against the lab ---------------------------------------------------------------
LAB = (
    MINIMAL.replace(
        "    modes: [remote]\n",
        "    checks: [net.telnet-exposed, net.redis-no-auth, net.ftp-anonymous,"
        " net.ftp-cleartext,\n"
        "             net.mqtt-anonymous]\n    ports: 21,23,1883,6379\n    schedule:\n"
        '      cron: "{cron}"\n      timezone: Asia/Shanghai\n{extra}',
    )
    + "rate_limits:\n  check_timeout: 5\n  workers: {workers}\n  per_host: 1\n"
)


def lab_inventory(tmp_path: Path, cron: str, extra: str = "", workers: int = 4) -> Path:
    return write(tmp_path / "inv.yaml", LAB.format(cron=cron, extra=extra, workers=workers))


def scheduler(inventory: Path, db_url: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scanner.cli",
            "schedule",
            "run",
            "--inventory",
            str(inventory),
            "--db",
            db_url,
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )


def rows(db_url: str, query: str, *args: object) -> list[tuple[Any, ...]]:
    # sqlite3 rows are untyped: each test knows the columns it selected.
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        return conn.execute(query, args).fetchall()


@pytest.mark.lab
def test_scheduler_runs_on_time_and_logs(
    lab_state: lab.LabState, tmp_path: Path, db_url: str
) -> None:
    inventory = lab_inventory(tmp_path, "*/4 * * * * *")
    proc = scheduler(inventory, db_url, "--max-runs", "2")
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    events = rows(
        db_url,
        "SELECT due_at, started_at, finished_at, run_id, outcome "
        "FROM schedule_events ORDER BY due_at",
    )
    assert [e[4] for e in events] == ["completed", "completed"]
    for due, started, _, _, _ in events:
        assert due % 4 == 0 and 0 <= started - due < 2  # on time
    statuses = rows(db_url, "SELECT id, status FROM runs ORDER BY id")
    assert statuses == [(events[0][3], "completed"), (events[1][3], "completed")]
    assert rows(db_url, "SELECT count(*) FROM attempts WHERE run_id = ?", events[0][3]) == [(5,)]
    assert stderr.count(": start (due ") == 2 and stderr.count(" completed") == 2


@pytest.mark.lab
def test_two_schedulers_run_each_due_time_once(
    lab_state: lab.LabState, tmp_path: Path, db_url: str
) -> None:
    inventory = lab_inventory(tmp_path, "*/3 * * * * *")
    Store.open(db_url)  # created once, before both start
    procs = [scheduler(inventory, db_url, "--until", "20s", "--lock-ttl", "6") for _ in range(2)]
    outputs = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    started = rows(db_url, "SELECT due_at, run_id FROM schedule_events WHERE run_id IS NOT NULL")
    runs = rows(db_url, "SELECT id, started_at, finished_at, status FROM runs ORDER BY started_at")
    assert len(runs) >= 3
    # every run belongs to exactly one due time, and each due time ran at most once
    assert sorted(r[0] for r in runs) == sorted(s[1] for s in started)
    assert len({s[0] for s in started}) == len(started)
    # runs of the one profile never overlap
    for before, after in itertools.pairwise(runs):
        assert before[2] is not None and before[2] <= after[1], (before, after)
    assert all(r[3] == "completed" for r in runs)


@pytest.mark.lab
def test_sigterm_during_a_run_exits_cleanly_and_the_run_resumes(
    lab_state: lab.LabState, tmp_path: Path, db_url: str
) -> None:
    inventory = lab_inventory(tmp_path, "*/2 * * * * *", workers=1)  # checks one at a time
    proc = scheduler(inventory, db_url)
    assert proc.stderr is not None
    seen = ""
    for _ in range(400):  # bounded: until the run's checks have started
        line = proc.stderr.readline()
        seen += line
        if "checks planned" in line or not line:
            break
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)  # our own child, by its handle
    _, rest = proc.communicate(timeout=60)
    assert proc.returncode == 0, seen + rest
    assert "stopping after 1 runs" in rest
    [(run_id, status, note)] = rows(db_url, "SELECT id, status, note FROM runs")
    assert status == "interrupted" and "SIGTERM" in note and "--resume" in note
    [(outcome, event_note)] = rows(db_url, "SELECT outcome, note FROM schedule_events")
    assert outcome == "interrupted" and f"--resume {run_id}" in event_note
    resumed = subprocess.run(
        [
            sys.executable,
            "-m",
            "scanner.cli",
            "run",
            str(inventory),
            "--profile",
            "remote",
            "--db",
            db_url,
            "--resume",
            str(run_id),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert rows(db_url, "SELECT status FROM runs") == [("completed",)]
    assert rows(db_url, "SELECT count(*) FROM attempts WHERE run_id = ?", run_id) == [(5,)]


@pytest.mark.lab
def test_scan_window_closing_stops_new_checks(
    lab_state: lab.LabState, tmp_path: Path, db_url: str
) -> None:
    # The clock is shifted so that it reads 04:59:57 in Shanghai now: the window closes 3 s in.
    shift = at(2026, 12, 1, 4, 59, 57, tz="Asia/Shanghai") - time.time()
    inventory = lab_inventory(tmp_path, "* * * * * *", '      window: "04:00-05:00"\n', workers=1)
    # The hardened host: its FTP server delays a refused anonymous login by seconds, so the
    # first check (net.ftp-anonymous) still runs when the window closes (the weak host's five
    # checks, identified at once by a pipelined run, may all start within those 3 s).
    write(inventory, inventory.read_text().replace("host: 127.0.10.1", "host: 127.0.10.2"))
    store = Store.open(db_url)
    Scheduler(
        load_inventory(inventory), store, clock=lambda: time.time() + shift, max_runs=1
    ).run_forever()
    [(run_id, status, note)] = rows(db_url, "SELECT id, status, note FROM runs")
    assert status == "interrupted" and "the scan window 04:00-05:00 closed" in note
    attempts = rows(db_url, "SELECT count(*) FROM attempts WHERE run_id = ?", run_id)[0][0]
    assert isinstance(attempts, int) and attempts < 5  # the rest were not started
    [(outcome, event_note)] = rows(db_url, "SELECT outcome, note FROM schedule_events")
    assert outcome == "interrupted" and "checks not run" in event_note
