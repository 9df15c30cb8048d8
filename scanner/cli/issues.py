"""Commands about issues tracked across runs: list, show, waive, false-positive, diff."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from reports.render import LANGUAGES
from scanner.app.decisions import mark_false_positive, waive_issue
from scanner.app.issues import DIFF_GROUPS, diff_runs, find_issues, show_issue
from scanner.cli.jsonout import echo_json
from scanner.cli.util import DB_OPTION, out, user_errors
from scanner.core.errors import UserError
from scanner.core.lifecycle import IssueState
from scanner.core.text import one_line
from scanner.store import Store

ISSUE_KEYS = (
    "id",
    "state",
    "severity",
    "entity_id",
    "asset_id",
    "check_id",
    "location",
    "first_seen_run",
    "last_seen_run",
    "deadline",
    "evidence",
)


@click.command(name="issues")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice([s.value for s in IssueState]),
    help="Only issues in this state (repeatable).",
)
@click.option("--entity", default=None, help="Only this entity's issues.")
@click.option("--overdue", is_flag=True, help="Only open issues past their deadline.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@DB_OPTION
@user_errors
def issues_cmd(
    states: tuple[str, ...], entity: str | None, overdue: bool, as_json: bool, db_url: str | None
) -> None:
    """List issues tracked across runs."""
    rows = find_issues(
        Store.open(db_url, create=False), states=states, entity=entity, overdue=overdue
    )
    if as_json:
        echo_json([{k: getattr(r, k) for k in ISSUE_KEYS} for r in rows])
        return
    table = Table(
        "id", "state", "severity", "entity/asset", "location", "check", "deadline", "runs"
    )
    for r in rows:
        table.add_row(
            str(r.id),
            r.state,
            r.severity,
            escape(f"{r.entity_id}/{r.asset_id}"),
            escape(one_line(r.location, 60)),
            r.check_id,
            _day(r.deadline),
            f"{r.first_seen_run}-{r.last_seen_run}",
        )
    out.print(table)
    out.print(f"{len(rows)} issues")


@click.command(name="issue")
@click.argument("issue_id", type=int)
@DB_OPTION
@user_errors
def issue_cmd(issue_id: int, db_url: str | None) -> None:
    """Show one issue and its audit trail."""
    detail = show_issue(Store.open(db_url, create=False), issue_id)
    row, events = detail.issue, detail.events
    out.print(
        f"issue {issue_id}: {row.state} {row.severity} {row.check_id} "
        f"{escape(row.entity_id)}/{escape(row.asset_id)} "
        f"{escape(one_line(row.location))}"
    )
    out.print(f"  evidence: {escape(one_line(row.evidence, 300))}")
    if row.waiver_until:
        out.print(
            f"  waiver: until {_day(row.waiver_until)} by "
            f"{escape(one_line(row.waiver_approver or ''))}: "
            f"{escape(one_line(row.waiver_reason or ''))}"
        )
    for e in events:
        stamp = datetime.fromtimestamp(e.at, UTC).strftime("%Y-%m-%d %H:%M:%S")
        run = f"run {e.run_id}" if e.run_id else escape(e.actor)
        change = f"{e.from_state or 'new'} -> {e.to_state}"
        out.print(f"  {stamp} {run}: {change}: {escape(one_line(e.reason))}")


@click.command(name="waive")
@click.argument("issue_id", type=int)
@click.option("--reason", required=True, help="Why the risk is accepted.")
@click.option("--approver", required=True, help="Who approved the waiver.")
@click.option("--until", "until", required=True, help="Last day of the waiver (YYYY-MM-DD).")
@DB_OPTION
@user_errors
def waive_cmd(issue_id: int, reason: str, approver: str, until: str, db_url: str | None) -> None:
    """Accept an issue until a date; it reopens when the waiver expires."""
    try:
        day = date.fromisoformat(until)
    except ValueError:
        raise UserError(f"--until {until!r} is not a date. Fix: write YYYY-MM-DD.") from None
    store = Store.open(db_url, create=False)
    waive_issue(store, issue_id, reason=reason, approver=approver, until=day)
    out.print(f"issue {issue_id} accepted until {day.isoformat()}")


@click.command(name="false-positive")
@click.argument("issue_id", type=int)
@click.option("--reason", required=True, help="Why the finding is wrong.")
@click.option("--actor", default="inspector", show_default=True, help="Who decided.")
@DB_OPTION
@user_errors
def false_positive_cmd(issue_id: int, reason: str, actor: str, db_url: str | None) -> None:
    """Mark an issue a false positive; rescans keep it so."""
    mark_false_positive(Store.open(db_url, create=False), issue_id, reason=reason, actor=actor)
    out.print(f"issue {issue_id} marked false positive")


@click.command(name="diff")
@click.argument("run_a", type=int)
@click.argument("run_b", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--html",
    "html_out",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write the differences as a self-contained HTML page to this file.",
)
@click.option(
    "--lang",
    default="en",
    show_default=True,
    type=click.Choice(LANGUAGES),
    help="Language of the HTML page.",
)
@DB_OPTION
@user_errors
def diff_cmd(
    run_a: int, run_b: int, as_json: bool, html_out: Path | None, lang: str, db_url: str | None
) -> None:
    """What changed from RUN_A to RUN_B: new, fixed, reopened, still open, could not verify,
    and what one of them did not check (never new or fixed)."""
    result = diff_runs(Store.open(db_url, create=False), run_a, run_b, html=html_out, lang=lang)
    if as_json:
        echo_json(result.data())
        return
    names = {
        **{g: g.replace("_", " ") for g in DIFF_GROUPS},
        "not_checked_in_a": f"not checked in run {run_a}",
        "not_checked_in_b": f"not checked in run {run_b}",
    }
    out.print(
        f"run {run_a} -> run {run_b}: "
        + ", ".join(f"{n} {names[g]}" for g, n in result.counts.items())
    )
    for group in DIFF_GROUPS:
        for item in result.groups[group]:
            out.print(
                f"  {names[group]:16} {item.severity:8} {item.check_id} "
                f"{escape(item.entity_id)}/{escape(item.asset_id)} "
                f"{escape(one_line(item.location, 80))}"
            )


def _day(ts: Any) -> str:
    return "" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")
