"""Issue lifecycle across runs: coverage-aware fixes, reopen, waivers, false positives, diffs.

These drive the real store and reconciliation with attempts as the engine records them; the lab
rescans that produce such attempts from real daemons are in tests/integration/test_tracking_lab.py.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scanner.cli.main import main
from scanner.core.errors import UserError
from scanner.core.models import Attempt, AttemptStatus, ErrorReason, Finding, Severity
from scanner.store import Store
from scanner.store import issues as store_issues
from scanner.tracking.issues import diff, false_positive, reconcile, waive

CHECK, ENTITY, ASSET = "net.redis-no-auth", "grid", "gw"


def _run(store: Store, *attempts: Attempt) -> int:
    run_id = store.runs.create("c", "remote", "inv.yaml", "0" * 64, "test")
    store.attempts.record(run_id, attempts)
    store.runs.finish(run_id, "completed")
    return run_id


def found(location: str = "6379/tcp", check: str = CHECK) -> Attempt:
    finding = Finding(check, ENTITY, ASSET, location, Severity.CRITICAL, "PING answered +PONG")
    return Attempt(check, ENTITY, ASSET, location, AttemptStatus.FAIL, findings=(finding,))


def outcome(status: AttemptStatus, location: str = "6379/tcp", **kw: object) -> Attempt:
    return Attempt(CHECK, ENTITY, ASSET, location, status, **kw)  # type: ignore[arg-type]


def state(store: Store) -> str:
    [issue] = store.issues.find()
    return str(issue.state)


def test_lifecycle_open_fixed_reopened(db_url: str) -> None:
    store = Store.open(db_url)
    r1 = reconcile(store, _run(store, found()))
    assert (r1.new, state(store)) == (1, "open")
    r2 = reconcile(store, _run(store, found()))
    assert (r2.new, r2.still_open, state(store)) == (0, 1, "open")
    r3 = reconcile(store, _run(store, outcome(AttemptStatus.PASS)))
    assert (r3.fixed, state(store)) == (1, "fixed")
    r4 = reconcile(store, _run(store, found()))
    assert (r4.reopened, r4.new, state(store)) == (1, 0, "reopened")
    [issue] = store.issues.find()
    trail = [(e.from_state, e.to_state) for e in store.issues.history(issue.id)]
    assert trail == [(None, "open"), ("open", "fixed"), ("fixed", "reopened")]


@pytest.mark.parametrize(
    ("attempt", "why"),
    [
        (
            outcome(AttemptStatus.ERROR, error_reason=ErrorReason.TIMEOUT, reason="t"),
            "error: timeout",
        ),
        (
            outcome(
                AttemptStatus.SKIPPED, location="host", reason="127.0.10.1 did not answer discovery"
            ),
            "not checked",
        ),
        (outcome(AttemptStatus.PASS, location="6380/tcp"), "not checked"),  # another port passed
        (None, "not checked in this run"),  # the check was not in the profile
    ],
)
def test_not_seen_is_never_fixed(db_url: str, attempt: Attempt | None, why: str) -> None:
    store = Store.open(db_url)
    reconcile(store, _run(store, found()))
    report = reconcile(store, _run(store, *([attempt] if attempt else [])))
    assert state(store) == "open" and report.fixed == 0 and report.could_not_verify == 1
    assert why in next(iter(report.not_verified))


def test_service_gone_while_host_answered_is_fixed(db_url: str) -> None:
    store = Store.open(db_url)
    reconcile(store, _run(store, found()))
    gone = outcome(
        AttemptStatus.NOT_APPLICABLE, location="host", reason="no redis service found on 127.0.10.1"
    )
    assert reconcile(store, _run(store, gone)).fixed == 1


def test_other_findings_of_the_same_target_prove_this_one_fixed(db_url: str) -> None:
    store = Store.open(db_url)
    two = Attempt(
        CHECK,
        ENTITY,
        ASSET,
        "host",
        AttemptStatus.FAIL,
        findings=(
            Finding(CHECK, ENTITY, ASSET, "account root", Severity.HIGH, "x"),
            Finding(CHECK, ENTITY, ASSET, "account toor", Severity.HIGH, "x"),
        ),
    )
    reconcile(store, _run(store, two))
    one = Attempt(CHECK, ENTITY, ASSET, "host", AttemptStatus.FAIL, findings=two.findings[:1])
    report = reconcile(store, _run(store, one))
    assert (report.fixed, report.still_open) == (1, 1)


def test_waiver_survives_rescans_and_reopens_when_expired(db_url: str) -> None:
    store = Store.open(db_url)
    reconcile(store, _run(store, found()))
    [issue] = store.issues.find()
    now = time.time()
    waive(store, issue.id, reason="compensating control", approver="Li Wei", until=now + 60)
    reconcile(store, _run(store, found()), now=now)
    assert state(store) == "accepted"
    report = reconcile(store, _run(store, found()), now=now + 120)
    assert state(store) == "reopened" and report.waivers_expired == 1


def test_false_positive_survives_rescans(db_url: str) -> None:
    store = Store.open(db_url)
    reconcile(store, _run(store, found()))
    [issue] = store.issues.find()
    false_positive(store, issue.id, reason="a honeypot, by design")
    reconcile(store, _run(store, found()))
    assert state(store) == "false_positive"


def test_bad_decisions_are_clear_errors(db_url: str) -> None:
    store = Store.open(db_url)
    reconcile(store, _run(store, found()))
    [issue] = store.issues.find()
    with pytest.raises(UserError, match="--reason and --approver"):
        waive(store, issue.id, reason=" ", approver="x", until=time.time() + 60)
    with pytest.raises(UserError, match="not in the future"):
        waive(store, issue.id, reason="r", approver="x", until=time.time() - 60)
    with pytest.raises(UserError, match="there is no issue 999"):
        false_positive(store, 999, reason="r")
    assert state(store) == "open"


def test_reconcile_is_idempotent(db_url: str) -> None:
    store = Store.open(db_url)
    run = _run(store, found())
    first = reconcile(store, run)
    again = reconcile(store, run)
    assert (first.new, again.new) == (1, 1) and len(store.issues.find()) == 1


def test_two_processes_reconciling_one_run_apply_it_once(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two stores (two connection pools, as two processes have) reconcile one completed run at
    # once. Applying waits (bounded) for the other to arrive too: without a claim both read
    # "not reconciled" and both apply; with it the second waits on the first and only reports.
    setup = Store.open(db_url)
    reconcile(setup, _run(setup, found(), found("6380/tcp")))  # two open issues
    run_id = _run(setup, outcome(AttemptStatus.PASS), found("6380/tcp"))  # one fixed, one open
    arrived = threading.Barrier(2)
    real_apply = store_issues._apply

    def rendezvous(*args: Any) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            arrived.wait(timeout=2.0)
        real_apply(*args)

    monkeypatch.setattr(store_issues, "_apply", rendezvous)
    stores = [Store.open(db_url) for _ in range(2)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(pool.map(lambda s: reconcile(s, run_id), stores))
    events = [(e.from_state, e.to_state) for e in setup.issues.all_events() if e.run_id == run_id]
    assert events == [("open", "fixed")]  # once
    assert [(r.fixed, r.still_open) for r in reports] == [(1, 1), (1, 1)]  # the one application


def test_diff_of_two_runs(db_url: str) -> None:
    store = Store.open(db_url)
    a = _run(store, found("6379/tcp"), found("6380/tcp"), found("6381/tcp"))
    reconcile(store, a)
    b = _run(
        store,
        found("6379/tcp"),
        outcome(AttemptStatus.PASS, location="6380/tcp"),
        found("7000/tcp"),
    )
    reconcile(store, b)
    result = diff(store, a, b)
    assert result.counts() == {
        "new": 1,
        "fixed": 1,
        "reopened": 0,
        "still_open": 1,
        "could_not_verify": 1,
        "not_checked_in_a": 0,
        "not_checked_in_b": 0,
    }
    assert [i.location for i in result.could_not_verify] == ["6381/tcp"]


def test_diff_knows_what_each_run_checked(db_url: str) -> None:
    """A verification rescan of one item, then a full run: what the rescan did not check is
    never new or fixed; a host that did not answer checked nothing."""
    store = Store.open(db_url)
    telnet = "net.telnet-exposed"
    a = _run(store, found("6379/tcp"), found("6380/tcp"))
    reconcile(store, a)
    b = _run(store, found("6379/tcp"))  # restricted to one item: 6380 not checked
    reconcile(store, b)
    c = _run(
        store,
        found("6379/tcp"),
        found("23/tcp", check=telnet),
    )
    reconcile(store, c)
    down = _run(
        store,
        outcome(AttemptStatus.SKIPPED, location="host", reason="did not answer discovery"),
        Attempt(telnet, ENTITY, ASSET, "host", AttemptStatus.SKIPPED, "did not answer discovery"),
    )
    reconcile(store, down)
    ab, bc, cd = diff(store, a, b), diff(store, b, c), diff(store, c, down)
    assert ab.counts()["fixed"] == 0 and ab.counts()["could_not_verify"] == 1  # same check ran
    assert [i.location for i in bc.not_checked_in_a] == ["23/tcp"]  # telnet: not in run b
    assert [i.location for i in bc.still_open] == ["6379/tcp"]
    assert bc.counts()["new"] == 0
    assert cd.counts()["fixed"] == 0 and cd.counts()["could_not_verify"] == 0
    assert sorted(i.location for i in cd.not_checked_in_b) == ["23/tcp", "6379/tcp"]


def test_issue_commands(db_url: str) -> None:
    store = Store.open(db_url)
    first = _run(store, found())
    reconcile(store, first)
    second = _run(store, outcome(AttemptStatus.PASS))
    reconcile(store, second)
    runner = CliRunner()
    listed = runner.invoke(main, ["issues", "--json", "--db", db_url])
    [issue] = json.loads(listed.output)
    assert issue["state"] == "fixed"
    shown = runner.invoke(main, ["issue", str(issue["id"]), "--db", db_url])
    assert "open -> fixed" in shown.output
    page = Path(db_url.removeprefix("sqlite:///")).parent / "diff.html"
    changes = runner.invoke(
        main,
        ["diff", str(first), str(second), "--db", db_url, "--html", str(page), "--lang", "zh-CN"],
    )
    assert "1 fixed" in changes.output
    html = page.read_text(encoding="utf-8")
    assert "已修复" in html and "net.redis-no-auth" in html
    refused = runner.invoke(
        main,
        [
            "waive",
            str(issue["id"]),
            "--reason",
            "r",
            "--approver",
            "a",
            "--until",
            "2099-01-01",
            "--db",
            db_url,
        ],
    )
    assert refused.exit_code == 2 and "already fixed" in refused.output
    bad_date = runner.invoke(
        main, ["waive", "1", "--reason", "r", "--approver", "a", "--until", "soon", "--db", db_url]
    )
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output
