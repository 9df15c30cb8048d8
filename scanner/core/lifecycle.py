"""The lifecycles, in one place: issue states and the events that move them, notice status,
notice item status, enforcement action kinds, run status, and risk levels.

Every value the store keeps in a ``state`` or ``status`` column is one of these enums (the
database enforces the same sets, migration 0008). An issue moves only along
:data:`ISSUE_TRANSITIONS`: reconciliation and people's decisions both ask :func:`next_state`,
so there is exactly one table to read when asking "how can an issue become fixed?".
"""

from __future__ import annotations

from enum import StrEnum


class IssueState(StrEnum):
    """Where a tracked issue stands."""

    OPEN = "open"  # seen, not yet seen fixed
    FIXED = "fixed"  # the check ran on the same target later and no longer found it
    REOPENED = "reopened"  # seen again after it was fixed, or its waiver expired
    ACCEPTED = "accepted"  # a waiver with reason, approver and expiry
    FALSE_POSITIVE = "false_positive"  # an inspector said the finding is wrong


#: States that still need rectification: they are on notices and count as open.
ACTIVE: frozenset[IssueState] = frozenset({IssueState.OPEN, IssueState.REOPENED})
#: States that leave a notice: nothing more is asked of the entity for them.
CLOSED: frozenset[IssueState] = frozenset(
    {IssueState.FIXED, IssueState.ACCEPTED, IssueState.FALSE_POSITIVE}
)


class IssueEvent(StrEnum):
    """What can happen to an issue: three observations by a run, one expiry, two decisions."""

    FIRST_SEEN = "first_seen"  # a run found a fingerprint never seen before
    SEEN_AGAIN = "seen_again"  # a run found a fixed issue again
    SEEN_FIXED = "seen_fixed"  # the check ran on the same target and concluded: no finding
    WAIVER_EXPIRED = "waiver_expired"  # an accepted issue's waiver ran out
    WAIVED = "waived"  # a person accepted the risk until a date
    MARKED_FALSE_POSITIVE = "marked_false_positive"  # a person said the finding is wrong


#: (state before, event) -> state after. ``None`` before means the issue does not exist yet.
#: A pair that is not here is not a transition: the event leaves the issue as it is
#: (reconciliation never selects it) or is refused (a decision on a fixed issue).
ISSUE_TRANSITIONS: dict[tuple[IssueState | None, IssueEvent], IssueState] = {
    (None, IssueEvent.FIRST_SEEN): IssueState.OPEN,
    (IssueState.FIXED, IssueEvent.SEEN_AGAIN): IssueState.REOPENED,
    (IssueState.OPEN, IssueEvent.SEEN_FIXED): IssueState.FIXED,
    (IssueState.REOPENED, IssueEvent.SEEN_FIXED): IssueState.FIXED,
    (IssueState.ACCEPTED, IssueEvent.SEEN_FIXED): IssueState.FIXED,
    (IssueState.ACCEPTED, IssueEvent.WAIVER_EXPIRED): IssueState.REOPENED,
    **{
        (state, IssueEvent.WAIVED): IssueState.ACCEPTED
        for state in (
            IssueState.OPEN,
            IssueState.REOPENED,
            IssueState.ACCEPTED,
            IssueState.FALSE_POSITIVE,
        )
    },
    **{
        (state, IssueEvent.MARKED_FALSE_POSITIVE): IssueState.FALSE_POSITIVE
        for state in (
            IssueState.OPEN,
            IssueState.REOPENED,
            IssueState.ACCEPTED,
            IssueState.FALSE_POSITIVE,
        )
    },
}


class InvalidTransition(ValueError):
    """An event that does not apply to an issue in its current state."""


def next_state(state: IssueState | None, event: IssueEvent) -> IssueState:
    """The state an issue in ``state`` moves to on ``event``; InvalidTransition if none."""
    try:
        return ISSUE_TRANSITIONS[(state, event)]
    except KeyError:
        raise InvalidTransition(
            f"an issue that is {state or 'not yet tracked'} cannot be {event.value}"
        ) from None


def sources(event: IssueEvent) -> tuple[IssueState, ...]:
    """The existing states ``event`` moves an issue out of (for set-based SQL predicates)."""
    return tuple(
        sorted(
            (before for (before, e) in ISSUE_TRANSITIONS if e is event and before is not None),
            key=list(IssueState).index,
        )
    )


class NoticeStatus(StrEnum):
    """A notice's status, derived from its items (never set by hand)."""

    ISSUED = "issued"
    PARTIALLY_RECTIFIED = "partially_rectified"
    RECTIFIED = "rectified"
    OVERDUE = "overdue"


class ItemStatus(StrEnum):
    """A notice item's status: the issue's state, or what a verification rescan concluded."""

    OPEN = "open"
    REOPENED = "reopened"
    FIXED = "fixed"
    ACCEPTED = "accepted"
    FALSE_POSITIVE = "false_positive"
    RECTIFIED = "rectified"  # a verification rescan saw it fixed
    NOT_RECTIFIED = "not_rectified"  # a verification rescan still found it
    COULD_NOT_VERIFY = "could_not_verify"  # a verification rescan could not decide


#: Item statuses after which nothing more is asked of the entity for the item.
ITEM_CLOSED: frozenset[str] = frozenset(
    {
        ItemStatus.FIXED,
        ItemStatus.RECTIFIED,
        ItemStatus.ACCEPTED,
        ItemStatus.FALSE_POSITIVE,
    }
)


class ActionKind(StrEnum):
    """What an authority did after a notice (an enforcement action recorded against it)."""

    INTERVIEW = "interview"  # the entity's officers were summoned for an interview
    WARNING = "warning"  # a written warning
    FINE = "fine"  # a fine, with its amount
    SUSPEND_ORDER = "suspend_order"  # an order to suspend the service or operations
    RECTIFY_ORDER = "rectify_order"  # an order to rectify within a time limit
    SHUTDOWN = "shutdown"  # a website or service shut down
    REFERRAL = "referral"  # the case referred to another authority


#: Actions that penalise an entity (the summary's "entities penalised"): an interview, an order to
#: rectify and a referral are not penalties in themselves.
PENALTIES: frozenset[ActionKind] = frozenset(
    {ActionKind.WARNING, ActionKind.FINE, ActionKind.SUSPEND_ORDER, ActionKind.SHUTDOWN}
)


class RunStatus(StrEnum):
    """Where a run stands."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # stopped (signal, scan window): resumable with --resume


class RiskLevel(StrEnum):
    """An issue's risk level on a notice, from severity x exposure x criticality."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


#: Risk levels, worst first (the order of notices, counts and charts).
LEVELS: tuple[RiskLevel, ...] = (RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW)
