"""Enforcement actions recorded after a notice, and a notice's history.

The authority records what followed a notice: an interview, a warning, a fine (with its amount),
an order to suspend or to rectify, a website or service shut down, a case referral; each with
the day, the decision's document reference and who recorded it. They are part of the notice's
history (with its issue, and the changes of its items since) and of the campaign summary's
counts (:func:`scanner.notices.build.build_summary`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

from scanner.core.errors import UserError
from scanner.core.lifecycle import ActionKind
from scanner.core.text import inert
from scanner.store import Store

#: The longest document reference, recorder name or note kept.
TEXT_LIMIT = 500


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a notice's history: when, and what happened."""

    at: float
    what: str


def record_action(
    store: Store,
    notice_id: int,
    *,
    kind: str,
    reference: str,
    recorded_by: str,
    day: date | None = None,
    amount: float | None = None,
    note: str = "",
    now: float | None = None,
) -> int:
    """Record an enforcement action against notice ``notice_id``; its id. A fine needs a
    positive ``amount``; no other kind takes one."""
    now = time.time() if now is None else now
    try:
        action = ActionKind(kind)
    except ValueError:
        raise UserError(
            f"--kind {inert(kind)!r} is not an enforcement action. Fix: choose one of "
            + ", ".join(k.value for k in ActionKind)
            + "."
        ) from None
    if action is ActionKind.FINE and (amount is None or amount <= 0):
        raise UserError("a fine needs its amount. Fix: add --amount YUAN (a positive number).")
    if action is not ActionKind.FINE and amount is not None:
        raise UserError(f"--amount is for fines only, not for {action.value}. Fix: leave it out.")
    for name, value in (("--reference", reference), ("--by", recorded_by)):
        if not value.strip() or len(value) > TEXT_LIMIT or value != inert(value):
            raise UserError(
                f"{name} must be one line of text, at most {TEXT_LIMIT} characters. "
                "Fix: give the decision's document reference and who records it."
            )
    if len(note) > TEXT_LIMIT:
        raise UserError(f"--note is longer than {TEXT_LIMIT} characters. Fix: shorten it.")
    day = day or datetime.fromtimestamp(now, UTC).date()
    return store.notices.record_action(
        notice_id,
        kind=action,
        day=day.isoformat(),
        amount=amount,
        reference=reference.strip(),
        recorded_by=recorded_by.strip(),
        now=now,
        note=inert(note),
    )


def notice_history(store: Store, notice_id: int) -> list[HistoryEntry]:
    """What happened to a notice, oldest first: its issue, each change of its items' issues
    since, and the enforcement actions recorded."""
    head = store.notices.get(notice_id)
    cited = (
        f", supplementing {store.notices.get(head.supplements).number}" if head.supplements else ""
    )
    entries = [HistoryEntry(head.issued_at, f"issued in round {head.round}{cited}")]
    for item in store.notices.items(notice_id):
        issue = item.issue
        for event in store.issues.history(issue.id):
            if event.at < head.issued_at or event.from_state is None:
                continue
            by = f"run {event.run_id}" if event.run_id else event.actor
            entries.append(
                HistoryEntry(
                    event.at,
                    f"item {item.rank} ({issue.check_id} {issue.asset_id} {issue.location}): "
                    f"{event.from_state} -> {event.to_state} by {by}: {event.reason}",
                )
            )
    for action in store.notices.actions([notice_id]):
        amount = f" of {action.amount:,.2f} yuan" if action.amount is not None else ""
        note = f": {action.note}" if action.note else ""
        entries.append(
            HistoryEntry(
                action.recorded_at,
                f"{action.kind.value}{amount} on {action.day}, {action.reference}, "
                f"recorded by {action.recorded_by}{note}",
            )
        )
    return sorted(entries, key=lambda e: e.at)
