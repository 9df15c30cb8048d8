"""The lifecycle enums and the issue transition table (scanner/core/lifecycle.py).

One case per transition, one per pair that is not one, and the values the store already holds:
the enums were introduced over strings written to existing stores, so their values may never
drift from those strings.
"""

from __future__ import annotations

import pytest

from scanner.core.lifecycle import (
    ACTIVE,
    CLOSED,
    ISSUE_TRANSITIONS,
    ITEM_CLOSED,
    LEVELS,
    InvalidTransition,
    IssueEvent,
    IssueState,
    ItemStatus,
    NoticeStatus,
    RiskLevel,
    RunStatus,
    next_state,
    sources,
)

S, E = IssueState, IssueEvent

#: The table as the reconciliation and decision code of scanner/tracking/issues.py behave,
#: written out by hand: a change to ISSUE_TRANSITIONS must change this list too.
EXPECTED = [
    (None, E.FIRST_SEEN, S.OPEN),
    (S.FIXED, E.SEEN_AGAIN, S.REOPENED),
    (S.OPEN, E.SEEN_FIXED, S.FIXED),
    (S.REOPENED, E.SEEN_FIXED, S.FIXED),
    (S.ACCEPTED, E.SEEN_FIXED, S.FIXED),
    (S.ACCEPTED, E.WAIVER_EXPIRED, S.REOPENED),
    (S.OPEN, E.WAIVED, S.ACCEPTED),
    (S.REOPENED, E.WAIVED, S.ACCEPTED),
    (S.ACCEPTED, E.WAIVED, S.ACCEPTED),
    (S.FALSE_POSITIVE, E.WAIVED, S.ACCEPTED),
    (S.OPEN, E.MARKED_FALSE_POSITIVE, S.FALSE_POSITIVE),
    (S.REOPENED, E.MARKED_FALSE_POSITIVE, S.FALSE_POSITIVE),
    (S.ACCEPTED, E.MARKED_FALSE_POSITIVE, S.FALSE_POSITIVE),
    (S.FALSE_POSITIVE, E.MARKED_FALSE_POSITIVE, S.FALSE_POSITIVE),
]


def _id(before: IssueState | None, event: IssueEvent, after: IssueState | None = None) -> str:
    name = f"{before.value if before else 'untracked'}-{event.value}"
    return f"{name}-{after.value}" if after else name


def test_the_table_is_the_expected_list() -> None:
    assert {(before, event): after for before, event, after in EXPECTED} == ISSUE_TRANSITIONS


@pytest.mark.parametrize(("before", "event", "after"), EXPECTED, ids=[_id(*t) for t in EXPECTED])
def test_transition(before: IssueState | None, event: IssueEvent, after: IssueState) -> None:
    assert next_state(before, event) is after


NOT_TRANSITIONS = [
    (before, event)
    for before in (None, *IssueState)
    for event in IssueEvent
    if (before, event) not in ISSUE_TRANSITIONS
]


@pytest.mark.parametrize(
    ("before", "event"), NOT_TRANSITIONS, ids=[_id(*p) for p in NOT_TRANSITIONS]
)
def test_every_other_pair_is_refused(before: IssueState | None, event: IssueEvent) -> None:
    with pytest.raises(InvalidTransition, match=event.value):
        next_state(before, event)


def test_the_refusal_names_an_untracked_issue() -> None:
    with pytest.raises(InvalidTransition, match="not yet tracked cannot be waived"):
        next_state(None, E.WAIVED)
    with pytest.raises(InvalidTransition, match="fixed cannot be waived"):
        next_state(S.FIXED, E.WAIVED)


def test_every_state_is_reachable_and_every_event_moves_something() -> None:
    assert set(ISSUE_TRANSITIONS.values()) == set(IssueState)
    assert {event for _, event in ISSUE_TRANSITIONS} == set(IssueEvent)


@pytest.mark.parametrize(
    ("event", "states"),
    [
        (E.FIRST_SEEN, ()),
        (E.SEEN_AGAIN, (S.FIXED,)),
        (E.SEEN_FIXED, (S.OPEN, S.REOPENED, S.ACCEPTED)),
        (E.WAIVER_EXPIRED, (S.ACCEPTED,)),
        (E.WAIVED, (S.OPEN, S.REOPENED, S.ACCEPTED, S.FALSE_POSITIVE)),
        (E.MARKED_FALSE_POSITIVE, (S.OPEN, S.REOPENED, S.ACCEPTED, S.FALSE_POSITIVE)),
    ],
    ids=lambda v: v.value if isinstance(v, IssueEvent) else None,
)
def test_sources(event: IssueEvent, states: tuple[IssueState, ...]) -> None:
    assert sources(event) == states  # in declaration order: stable SQL


def test_active_and_closed_partition_the_states() -> None:
    assert {S.OPEN, S.REOPENED} == ACTIVE  # on notices, counted as open
    assert {S.FIXED, S.ACCEPTED, S.FALSE_POSITIVE} == CLOSED
    assert not ACTIVE & CLOSED
    assert set(IssueState) == ACTIVE | CLOSED


def test_item_closed_is_the_closed_states_and_rectified() -> None:
    assert {*CLOSED, ItemStatus.RECTIFIED} == ITEM_CLOSED
    assert {s.value for s in IssueState} <= {s.value for s in ItemStatus}


# The strings existing stores, notices and JSON output already hold.
@pytest.mark.parametrize(
    ("enum", "values"),
    [
        (IssueState, ["open", "fixed", "reopened", "accepted", "false_positive"]),
        (
            IssueEvent,
            [
                "first_seen",
                "seen_again",
                "seen_fixed",
                "waiver_expired",
                "waived",
                "marked_false_positive",
            ],
        ),
        (NoticeStatus, ["issued", "partially_rectified", "rectified", "overdue"]),
        (
            ItemStatus,
            [
                "open",
                "reopened",
                "fixed",
                "accepted",
                "false_positive",
                "rectified",
                "not_rectified",
                "could_not_verify",
            ],
        ),
        (RunStatus, ["running", "completed", "failed", "interrupted"]),
        (RiskLevel, ["high", "medium", "low"]),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_values_are_the_stored_strings(enum: type, values: list[str]) -> None:
    assert [member.value for member in enum] == values  # type: ignore[attr-defined]
    assert all(member == member.value for member in enum)  # type: ignore[attr-defined]


def test_levels_worst_first() -> None:
    assert LEVELS == (RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW)
