"""An inspector's decisions about an issue: accept it until a day (a waiver), or mark it a false
positive. Both leave the notices; rescans keep them, and an expired waiver reopens the issue
(:mod:`scanner.tracking.issues`)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from scanner.store import Store
from scanner.tracking.issues import false_positive, waive


def waive_issue(store: Store, issue_id: int, *, reason: str, approver: str, until: date) -> None:
    """Accept issue ``issue_id`` until the end of ``until`` (UTC), approved by ``approver``."""
    end = datetime(until.year, until.month, until.day, 23, 59, 59, tzinfo=UTC).timestamp()
    waive(store, issue_id, reason=reason, approver=approver, until=end)


def mark_false_positive(store: Store, issue_id: int, *, reason: str, actor: str) -> None:
    """Mark issue ``issue_id`` a false positive, decided by ``actor``."""
    false_positive(store, issue_id, reason=reason, actor=actor)
