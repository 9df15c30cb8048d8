"""Verification rescans: rerun exactly the checks and assets of a notice's open items.

Each item then reads *rectified* (the scanner saw it fixed), *not rectified* (seen again) or
*could not verify* (the rescan could not tell: an error, a timeout, an unreachable host). When
every item is rectified or accepted, the notice is rectified and a closure letter can be issued.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scanner.app.compile import compile_run
from scanner.app.runs import Observer, RunResult, rescan
from scanner.core.documents import Notice
from scanner.core.errors import UserError
from scanner.core.lifecycle import ACTIVE, CLOSED, IssueState, ItemStatus, NoticeStatus
from scanner.engine.registry import Registry
from scanner.inventory.schema import load_inventory
from scanner.notices.build import build_notice, notice_id, run_inventory
from scanner.store import Store


@dataclass(frozen=True)
class Verification:
    """The re-rendered notice and the rescan that produced it."""

    notice: Notice
    run: RunResult


def verify_notice(
    store: Store,
    number: str,
    registry: Registry,
    *,
    inventory: Path | None = None,
    observer: Observer | None = None,
) -> Verification:
    """Rescan the open items of notice ``number`` and update them."""
    nid = notice_id(store, number)
    before = build_notice(store, nid, registry)
    if before.status == NoticeStatus.RECTIFIED:
        raise UserError(f"notice {number} is already rectified; there is nothing to verify.")
    open_items = [i for i in before.items if i.status in ACTIVE]
    if not open_items:
        raise UserError(f"notice {number} has no open items to verify.")
    inv = load_inventory(inventory) if inventory else run_inventory(store, before.run_id)
    profile = store.runs.get(before.run_id).profile
    only = {(before.entity_id, i.asset_id, i.check_id) for i in open_items}
    result = rescan(compile_run(inv, profile), store, only, observer=observer)
    current = {r.id: r for r in store.issues.find()}
    statuses: dict[int, ItemStatus] = {}
    for item in before.items:
        issue = current[item.issue_id]
        if issue.state in CLOSED:
            statuses[item.issue_id] = (
                ItemStatus.RECTIFIED if issue.state == IssueState.FIXED else ItemStatus(issue.state)
            )
        elif issue.last_seen_run == result.run_id:
            statuses[item.issue_id] = ItemStatus.NOT_RECTIFIED
        else:
            statuses[item.issue_id] = ItemStatus.COULD_NOT_VERIFY
    return Verification(build_notice(store, nid, registry, statuses=statuses), result)
