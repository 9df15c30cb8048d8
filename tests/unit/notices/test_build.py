"""Notices and the summary built from a store: numbers, ranking, deadlines, status, history."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from scanner.core.errors import UserError
from scanner.core.models import Attempt, AttemptStatus, Finding, Severity
from scanner.engine.registry import discover
from scanner.notices.build import build_notice, build_summary, issue_notices, notice_id
from scanner.store import Store
from scanner.tracking.issues import reconcile, waive
from tests.unit.inventory.test_schema import MINIMAL

REGISTRY = discover(entry_points=False)
INVENTORY = MINIMAL.replace(
    "        host: 127.0.10.1", "        host: 127.0.10.1\n        exposure: internet"
).replace("    sector: energy", "    sector: energy\n    cii_operator: true\n    mlps_level: 3")
DAY = 86400.0


def fail(check: str, location: str, severity: Severity) -> Attempt:
    finding = Finding(check, "ent", "web", location, severity, f"{check} evidence")
    return Attempt(check, "ent", "web", location, AttemptStatus.FAIL, findings=(finding,))


def passed(check: str, location: str) -> Attempt:
    return Attempt(check, "ent", "web", location, AttemptStatus.PASS)


def run(store: Store, *attempts: Attempt, now: float) -> int:
    run_id = store.runs.create(
        "test", "remote", "inv.yaml", "0" * 64, "t", inventory_text=INVENTORY
    )
    store.attempts.record(run_id, attempts)
    store.runs.finish(run_id, "completed")
    reconcile(store, run_id, now=now)
    return run_id


def test_notice_numbers_ranking_and_deadlines(db_url: str) -> None:
    store = Store.open(db_url)
    now = time.time()
    r1 = run(
        store,
        fail("web.hsts-missing", "https://127.0.10.1/", Severity.MEDIUM),
        fail("net.redis-no-auth", "6379/tcp", Severity.CRITICAL),
        now=now,
    )
    [notice] = issue_notices(store, r1, REGISTRY, now=now)
    assert notice.number == "T-1-0001" and notice.entity_name == "Entity"
    assert [(i.rank, i.check_id, i.level) for i in notice.items] == [
        (1, "net.redis-no-auth", "high"),
        (2, "web.hsts-missing", "medium"),
    ]
    today = datetime.fromtimestamp(now, UTC).date()
    assert notice.items[0].deadline == today + timedelta(days=7)
    assert notice.items[1].deadline == today + timedelta(days=30)
    assert notice.items[0].legal_basis == ("MLPS-8.1.4.1", "CSL-21")  # prc regime citations
    assert notice.counts() == {"high": 1, "medium": 1, "low": 0}
    # Issuing again is stable. A later round holds only what is on no notice yet: nothing here.
    assert [n.number for n in issue_notices(store, r1, REGISTRY)] == ["T-1-0001"]
    r2 = run(
        store,
        fail("net.redis-no-auth", "6379/tcp", Severity.CRITICAL),
        passed("web.hsts-missing", "https://127.0.10.1/"),
        now=now + 3 * DAY,
    )
    assert issue_notices(store, r2, REGISTRY, now=now + 3 * DAY) == []
    # Round 3 finds telnet: a supplementary notice citing the first, with the new item only.
    r3 = run(
        store,
        fail("net.redis-no-auth", "6379/tcp", Severity.CRITICAL),
        fail("net.telnet-exposed", "23/tcp", Severity.HIGH),
        now=now + 4 * DAY,
    )
    [second] = issue_notices(store, r3, REGISTRY, now=now + 4 * DAY)
    assert (second.number, second.round, second.supplements) == ("T-1-0002", 3, "T-1-0001")
    assert [i.check_id for i in second.items] == ["net.telnet-exposed"]
    first = build_notice(store, notice_id(store, "T-1-0001"), REGISTRY)
    assert first.items[0].deadline == today + timedelta(days=7)  # redis stays where it was
    assert first.status == "partially_rectified"
    assert issue_notices(store, r2, REGISTRY) == []  # its round is re-read: nothing new
    # A run older than the latest round, without a round of its own: its round is over.
    r4 = run(store, passed("net.telnet-exposed", "23/tcp"), now=now + 5 * DAY)
    r5 = run(store, passed("net.telnet-exposed", "23/tcp"), now=now + 6 * DAY)
    assert issue_notices(store, r5, REGISTRY, now=now + 6 * DAY) == []
    with pytest.raises(UserError, match="its round is over"):
        issue_notices(store, r4, REGISTRY)


def test_notice_status_follows_its_items(db_url: str) -> None:
    store = Store.open(db_url)
    now = time.time()
    r1 = run(
        store,
        fail("net.redis-no-auth", "6379/tcp", Severity.CRITICAL),
        fail("net.telnet-exposed", "23/tcp", Severity.HIGH),
        now=now,
    )
    [notice] = issue_notices(store, r1, REGISTRY, now=now)
    nid = notice_id(store, notice.number)
    assert notice.status == "issued"
    assert build_notice(store, nid, REGISTRY, now=now + 30 * DAY).status == "overdue"
    run(
        store,
        passed("net.redis-no-auth", "6379/tcp"),
        fail("net.telnet-exposed", "23/tcp", Severity.HIGH),
        now=now + DAY,
    )
    assert build_notice(store, nid, REGISTRY, now=now + DAY).status == "partially_rectified"
    telnet = next(i for i in notice.items if i.check_id == "net.telnet-exposed")
    waive(
        store,
        telnet.issue_id,
        reason="replaced next month",
        approver="Li",
        until=now + 9 * DAY,
        now=now + DAY,
    )
    assert build_notice(store, nid, REGISTRY, now=now + DAY).status == "rectified"
    with pytest.raises(UserError, match="there is no notice T-1-9999"):
        notice_id(store, "T-1-9999")


def test_summary_totals_sectors_and_history(db_url: str) -> None:
    store = Store.open(db_url)
    now = time.time()
    r1 = run(
        store,
        fail("net.redis-no-auth", "6379/tcp", Severity.CRITICAL),
        fail("net.telnet-exposed", "23/tcp", Severity.HIGH),
        now=now,
    )
    r2 = run(
        store,
        passed("net.redis-no-auth", "6379/tcp"),
        fail("net.telnet-exposed", "23/tcp", Severity.HIGH),
        now=now + DAY,
    )
    summary = build_summary(store, r2, REGISTRY, now=now + DAY)
    assert summary.notices_served == 0  # the summary issues no notice
    assert store.notices.of_campaign("test") == []
    issue_notices(store, r1, REGISTRY, now=now)
    summary = build_summary(store, r2, REGISTRY, now=now + DAY)
    assert summary.issues == {"high": 1, "medium": 0, "low": 0} and summary.notices_served == 1
    assert summary.sectors == (("energy", 1, 1, 1),)
    assert [p.counts["high"] for p in summary.history["ent"]] == [2, 1]
    r = summary.rectification
    assert (r.found, r.rectified, r.rectified_high, r.still_open, r.rate) == (2, 1, 1, 1, 0.5)
    # Issued after run 1 but now, when redis is already fixed: the notice holds telnet only.
    assert (r.notices, r.notices_partial, r.median_days) == (1, 0, 1.0)
    assert [(p.number, p.run_id, p.found, p.rectified, p.still_open) for p in summary.rounds] == [
        (1, r1, 2, 1, 1)
    ]
