"""Issues tracked across runs, as commands read them: list, show with history, diff of two runs.

The lifecycle itself (reconciliation, waivers, the diff's grouping) is
:mod:`scanner.tracking.issues`; this module picks the rows a command asks for and renders the
diff's optional HTML page.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from reports.render import render_diff
from scanner.core.errors import UserError
from scanner.store import Store
from scanner.store.issues import DIFF_GROUPS, FindingChange, IssueEventRow, IssueRow
from scanner.tracking.issues import diff

__all__ = [
    "DIFF_GROUPS",
    "IssueDetail",
    "RunsDiff",
    "diff_runs",
    "find_issues",
    "get_issue",
    "show_issue",
]


@dataclass(frozen=True)
class IssueDetail:
    """One issue and its audit trail.

    Attributes:
        issue: the issue (a store row).
        events: its state changes, oldest first (store rows).
    """

    issue: IssueRow
    events: list[IssueEventRow]


@dataclass(frozen=True)
class RunsDiff:
    """What changed from run ``a`` to run ``b``.

    Attributes:
        a: the earlier run.
        b: the later run.
        counts: how many issues each group holds.
        groups: by group name (:data:`DIFF_GROUPS`), its issues.
    """

    a: int
    b: int
    counts: dict[str, int]
    groups: dict[str, list[FindingChange]]

    def data(self) -> dict[str, Any]:
        """The diff as JSON-ready data (``scanner diff --json`` and the HTML page)."""
        items = {g: [asdict(item) for item in rows] for g, rows in self.groups.items()}
        return {"a": self.a, "b": self.b, "counts": self.counts, **items}


def find_issues(
    store: Store,
    *,
    states: Iterable[str] = (),
    entity: str | None = None,
    overdue: bool = False,
) -> list[IssueRow]:
    """Issues in ``states`` (all when empty), of ``entity``, open past their deadline now when
    ``overdue``."""
    return store.issues.find(
        states=tuple(states), entity=entity, overdue_at=time.time() if overdue else None
    )


def show_issue(store: Store, issue_id: int) -> IssueDetail:
    """Issue ``issue_id`` and its history; a UserError when there is none."""
    events = store.issues.history(issue_id)
    return IssueDetail(get_issue(store, issue_id), events)


def get_issue(store: Store, issue_id: int) -> IssueRow:
    """Issue ``issue_id``; a UserError when there is none."""
    return store.issues.get(issue_id)


def diff_runs(
    store: Store, run_a: int, run_b: int, *, html: Path | None = None, lang: str = "en"
) -> RunsDiff:
    """What changed from ``run_a`` to ``run_b``, also written as an HTML page in ``lang`` to
    ``html`` when given."""
    result = diff(store, run_a, run_b)
    found = RunsDiff(run_a, run_b, result.counts(), {g: getattr(result, g) for g in DIFF_GROUPS})
    if html is not None:
        try:
            html.write_bytes(render_diff(found.data(), lang))
        except OSError as exc:
            raise UserError(f"--html {html}: cannot write it ({exc}).") from None
    return found
