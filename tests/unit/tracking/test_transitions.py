"""Every issue transition of scanner/core/lifecycle.py, driven through the code that makes it.

Each case brings one issue to the transition's source state the way the scanner would (runs
reconciled by scanner.tracking, a waiver, a false positive), applies the event the same way, and
reads the issue's state and its newest ``issue_events`` row from a real SQLite store (which also
enforces the allowed states, migration 0008). Runs are built with the Store API directly: no
network, no lab.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from scanner.core.errors import UserError
from scanner.core.lifecycle import ISSUE_TRANSITIONS, IssueEvent, IssueState
from scanner.core.models import Attempt, AttemptStatus, Finding, Severity
from scanner.store import Store
from scanner.store.tables import issue_events, issues
from scanner.tracking.issues import false_positive, reconcile, waive

CHECK, ENTITY, ASSET, PORT = "net.redis-no-auth", "grid", "gw", "6379/tcp"
T0 = 1_800_000_000.0  # the clock every case starts from
WAIVER_UNTIL = T0 + 30 * 86_400  # a waiver granted while bringing an issue to "accepted"


class Scene:
    """One store with at most one issue, and a clock that moves forward a second per step."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.now = T0

    def tick(self) -> float:
        self.now += 1
        return self.now

    def run(self, *attempts: Attempt, now: float | None = None) -> None:
        """Store a completed run of ``attempts`` and reconcile it."""
        run_id = self.store.runs.create("c", "remote", "inv.yaml", "0" * 64, "test")
        self.store.attempts.record(run_id, attempts)
        self.store.runs.finish(run_id, "completed")
        reconcile(self.store, run_id, now=self.tick() if now is None else now)

    @property
    def issue_id(self) -> int:
        with self.store.engine.connect() as conn:
            return int(conn.execute(select(issues.c.id)).scalar_one())

    def state(self) -> IssueState:
        with self.store.engine.connect() as conn:
            return IssueState(conn.execute(select(issues.c.state)).scalar_one())

    def events(self) -> int:
        with self.store.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(issue_events)).scalar_one())

    def last_event(self) -> tuple[str | None, str]:
        with self.store.engine.connect() as conn:
            row = conn.execute(
                select(issue_events.c.from_state, issue_events.c.to_state)
                .where(issue_events.c.issue_id == self.issue_id)
                .order_by(issue_events.c.id.desc())
                .limit(1)
            ).one()
        return row.from_state, row.to_state


def found() -> Attempt:
    """The check ran on the target and found the issue."""
    finding = Finding(CHECK, ENTITY, ASSET, PORT, Severity.CRITICAL, "PING answered +PONG")
    return Attempt(CHECK, ENTITY, ASSET, PORT, AttemptStatus.FAIL, findings=(finding,))


def passed() -> Attempt:
    """The check ran on the same target and concluded without the finding."""
    return Attempt(CHECK, ENTITY, ASSET, PORT, AttemptStatus.PASS)


# -- the events, as the scanner and people cause them -------------------------------------------


def _first_seen(scene: Scene) -> None:
    scene.run(found())


def _seen_again(scene: Scene) -> None:
    scene.run(found())


def _seen_fixed(scene: Scene) -> None:
    scene.run(passed())


def _waiver_expired(scene: Scene) -> None:
    scene.run(now=WAIVER_UNTIL + 1)  # a run that did not cover the issue, after the waiver


def _waived(scene: Scene) -> None:
    now = scene.tick()
    waive(
        scene.store,
        scene.issue_id,
        reason="a compensating control",
        approver="Li Wei",
        until=now + 7 * 86_400,
        now=now,
    )


def _marked_false_positive(scene: Scene) -> None:
    false_positive(scene.store, scene.issue_id, reason="a honeypot, by design", now=scene.tick())


DRIVE: dict[IssueEvent, Callable[[Scene], None]] = {
    IssueEvent.FIRST_SEEN: _first_seen,
    IssueEvent.SEEN_AGAIN: _seen_again,
    IssueEvent.SEEN_FIXED: _seen_fixed,
    IssueEvent.WAIVER_EXPIRED: _waiver_expired,
    IssueEvent.WAIVED: _waived,
    IssueEvent.MARKED_FALSE_POSITIVE: _marked_false_positive,
}


def reach(scene: Scene, state: IssueState | None) -> None:
    """Bring the scene's issue to ``state`` along real transitions (None: no issue yet)."""
    if state is None:
        return
    scene.run(found())
    if state is IssueState.FIXED:
        scene.run(passed())
    elif state is IssueState.REOPENED:
        scene.run(passed())
        scene.run(found())
    elif state is IssueState.ACCEPTED:
        now = scene.tick()
        waive(scene.store, scene.issue_id, reason="r", approver="a", until=WAIVER_UNTIL, now=now)
    elif state is IssueState.FALSE_POSITIVE:
        false_positive(scene.store, scene.issue_id, reason="r", now=scene.tick())
    assert scene.state() is state


@pytest.fixture
def scene(tmp_path: Path) -> Scene:
    return Scene(Store.open(f"sqlite:///{tmp_path / 'scanner.db'}"))


def _id(before: IssueState | None, event: IssueEvent) -> str:
    return f"{before.value if before else 'untracked'}-{event.value}"


TRANSITIONS = sorted(
    ISSUE_TRANSITIONS.items(), key=lambda t: (list(IssueEvent).index(t[0][1]), str(t[0][0]))
)


@pytest.mark.parametrize(
    ("pair", "after"), TRANSITIONS, ids=[f"{_id(*p)}-{a.value}" for p, a in TRANSITIONS]
)
def test_transition(
    scene: Scene, pair: tuple[IssueState | None, IssueEvent], after: IssueState
) -> None:
    before, event = pair
    reach(scene, before)
    events = scene.events()
    DRIVE[event](scene)
    assert scene.state() is after
    assert scene.events() == events + 1  # one audit row per transition
    assert scene.last_event() == (before.value if before else None, after.value)


# Observations by a run that are not transitions leave the issue as it is, with no event.
UNMOVED = [
    (before, event)
    for before in IssueState
    for event in (IssueEvent.SEEN_AGAIN, IssueEvent.SEEN_FIXED, IssueEvent.WAIVER_EXPIRED)
    if (before, event) not in ISSUE_TRANSITIONS
]


@pytest.mark.parametrize(("before", "event"), UNMOVED, ids=[_id(*p) for p in UNMOVED])
def test_a_run_leaves_the_issue(scene: Scene, before: IssueState, event: IssueEvent) -> None:
    reach(scene, before)
    events = scene.events()
    DRIVE[event](scene)
    assert (scene.state(), scene.events()) == (before, events)


# Decisions that are not transitions are refused.
REFUSED = [
    (before, event)
    for before in IssueState
    for event in (IssueEvent.WAIVED, IssueEvent.MARKED_FALSE_POSITIVE)
    if (before, event) not in ISSUE_TRANSITIONS
]


@pytest.mark.parametrize(("before", "event"), REFUSED, ids=[_id(*p) for p in REFUSED])
def test_a_decision_is_refused(scene: Scene, before: IssueState, event: IssueEvent) -> None:
    reach(scene, before)
    events = scene.events()
    with pytest.raises(UserError, match="already fixed"):
        DRIVE[event](scene)
    assert (scene.state(), scene.events()) == (before, events)
