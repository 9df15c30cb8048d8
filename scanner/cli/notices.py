"""Commands about the documents the scanner issues: notices, notice (show, action), summary,
verify, explain.

What came from a target (locations) is printed through :func:`~scanner.core.text.one_line`.
"""

from __future__ import annotations

import getpass
import os
from datetime import UTC, date, datetime
from pathlib import Path

import click
from rich.markup import escape

from reports.render import FORMATS, LANGUAGES
from scanner.app.notices import (
    SUMMARY_FORMATS,
    NoticeDetail,
    choices,
    explain_issue,
    issue_run_notices,
    record_notice_action,
    show_notice,
    verify_and_write,
    write_summary,
)
from scanner.cli.progress import RichProgress
from scanner.cli.util import DB_OPTION, err, out, user_errors
from scanner.core.errors import UserError
from scanner.core.lifecycle import ActionKind, NoticeStatus
from scanner.core.text import one_line
from scanner.store import Store

FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    default="html,pdf",
    show_default=True,
    help=f"Comma-separated: {', '.join(FORMATS)}.",
)
LANG_OPTION = click.option(
    "--lang",
    "lang",
    default="zh-CN,en",
    show_default=True,
    help=f"Comma-separated: {', '.join(LANGUAGES)}.",
)
OUT_OPTION = click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("out"),
    show_default=True,
    help="Folder to write the documents to.",
)


@click.command(name="notices")
@click.option(
    "--run", "run_id", type=int, default=None, help="Run id (default: the latest full run)."
)
@FORMAT_OPTION
@LANG_OPTION
@OUT_OPTION
@DB_OPTION
@user_errors
def notices_cmd(run_id: int | None, fmt: str, lang: str, out_dir: Path, db_url: str | None) -> None:
    """Issue the notices of a rectification round: after a full run, one per entity with open
    items on no notice yet (a supplementary notice after its first)."""
    formats, langs = choices(fmt, FORMATS, "--format"), choices(lang, LANGUAGES, "--lang")
    store = Store.open(db_url, create=False)
    issued = issue_run_notices(store, run_id, out_dir, formats, langs)
    for notice in issued.notices:
        counts = ", ".join(f"{n} {level}" for level, n in notice.counts().items())
        cites = f" (supplements {escape(notice.supplements)})" if notice.supplements else ""
        out.print(
            f"{notice.number} to {escape(one_line(notice.entity_name))}{cites}: "
            f"{len(notice.items)} items ({counts}); reply by {notice.reply_by}; {notice.status}"
        )
    nothing = " (nothing new to rectify)" if not issued.notices else ""
    out.print(
        f"round {issued.round}: {len(issued.notices)} notices for run {issued.run_id}{nothing} "
        f"written to {escape(str(issued.folder))}/"
    )


@click.command(name="summary")
@click.option("--run", "run_id", type=int, default=None, help="Run id (default: the latest).")
@click.option(
    "--format",
    "fmt",
    default="html,json",
    show_default=True,
    help="Comma-separated: html, json, md.",
)
@LANG_OPTION
@OUT_OPTION
@DB_OPTION
@user_errors
def summary_cmd(run_id: int | None, fmt: str, lang: str, out_dir: Path, db_url: str | None) -> None:
    """Write the campaign summary of a run: totals, notices, sectors, worst assets, history."""
    formats = choices(fmt, SUMMARY_FORMATS, "--format")
    langs = choices(lang, LANGUAGES, "--lang")
    store = Store.open(db_url, create=False)
    written = write_summary(store, run_id, out_dir, formats, langs)
    summary = written.summary
    r = summary.rectification
    rate = f"{r.rate:.0%}" if r.rate is not None else "-"
    out.print(
        f"run {written.run_id}: {r.found} issues found, {r.rectified} rectified "
        f"({r.rectified_high} high risk, rate {rate}), {r.still_open} still open "
        f"({summary.issues['high']} high risk, {r.overdue} overdue); {summary.notices_served} "
        f"notices served; summary in {escape(str(written.folder))}/"
    )


@click.command(name="verify")
@click.option("--notice", "number", required=True, help="The notice number to verify.")
@click.option(
    "--inventory",
    type=click.Path(path_type=Path),
    default=None,
    help="Use this inventory instead of the copy stored with the notice's run.",
)
@FORMAT_OPTION
@LANG_OPTION
@OUT_OPTION
@DB_OPTION
@user_errors
def verify_cmd(
    number: str, inventory: Path | None, fmt: str, lang: str, out_dir: Path, db_url: str | None
) -> None:
    """Rescan a notice's open items and re-render it with each item's verified status."""
    formats, langs = choices(fmt, FORMATS, "--format"), choices(lang, LANGUAGES, "--lang")
    store = Store.open(db_url, create=False)
    observer = RichProgress(err) if err.is_terminal else None
    result = verify_and_write(
        store, number, out_dir, formats, langs, inventory=inventory, observer=observer
    )
    notice, folder = result.notice, result.folder
    for item in notice.items:
        out.print(
            f"  {item.status:17} {item.level:6} {item.check_id} {escape(one_line(item.asset_id))} "
            f"{escape(one_line(item.location))}"
        )
    if notice.status == NoticeStatus.RECTIFIED:
        out.print(f"notice {number} is rectified; closure letter written to {escape(str(folder))}/")
    else:
        out.print(f"notice {number}: {notice.status} (verification run {result.run.run_id})")


@click.command(name="explain")
@click.argument("issue_id", type=int)
@DB_OPTION
@user_errors
def explain_cmd(issue_id: int, db_url: str | None) -> None:
    """Show how an issue's risk score and level came about."""
    explained = explain_issue(Store.open(db_url, create=False), issue_id)
    issue, risk = explained.issue, explained.risk
    out.print(
        f"issue {issue_id} ({issue.check_id} on {escape(issue.entity_id)}/"
        f"{escape(issue.asset_id)}): risk {risk.score:g}, {risk.level}"
    )
    for step in risk.steps:
        out.print(f"  {escape(step)}")


@click.group(name="notice")
def notice_cmd() -> None:
    """One notice: show it with its history, record an enforcement action."""


@notice_cmd.command(name="show")
@click.argument("number")
@DB_OPTION
@user_errors
def notice_show_cmd(number: str, db_url: str | None) -> None:
    """Show notice NUMBER: its items as they stand now, and its history."""
    _print_notice(show_notice(Store.open(db_url, create=False), number))


@notice_cmd.command(name="action")
@click.argument("number")
@click.option(
    "--kind",
    required=True,
    type=click.Choice([k.value for k in ActionKind]),
    help="What the authority did.",
)
@click.option("--amount", type=float, default=None, help="A fine's amount, in yuan.")
@click.option("--reference", required=True, help="The decision's document reference.")
@click.option("--date", "day", default=None, help="The day of the action (default: today).")
@click.option("--by", "recorded_by", default=None, help="Who records it (default: your login).")
@click.option("--note", default="", help="A remark.")
@DB_OPTION
@user_errors
def notice_action_cmd(
    number: str,
    kind: str,
    amount: float | None,
    reference: str,
    day: str | None,
    recorded_by: str | None,
    note: str,
    db_url: str | None,
) -> None:
    """Record an enforcement action taken after notice NUMBER."""
    try:
        when = date.fromisoformat(day) if day else None
    except ValueError:
        raise UserError(f"--date {day!r} is not a date. Fix: write YYYY-MM-DD.") from None
    detail = record_notice_action(
        Store.open(db_url, create=False),
        number,
        kind=kind,
        reference=reference,
        recorded_by=recorded_by or _login(),
        day=when,
        amount=amount,
        note=note,
    )
    out.print(f"recorded {kind} against notice {escape(number)}")
    _print_notice(detail)


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "inspector")


def _print_notice(detail: NoticeDetail) -> None:
    notice = detail.notice
    cites = f", supplements {escape(notice.supplements)}" if notice.supplements else ""
    out.print(
        f"notice {escape(notice.number)} to {escape(one_line(notice.entity_name))}: round "
        f"{notice.round}{cites}; {len(notice.items)} items; {notice.status}"
    )
    for item in notice.items:
        out.print(
            f"  {item.status:17} {item.level:6} {item.check_id} {escape(one_line(item.asset_id))} "
            f"{escape(one_line(item.location))}" + (" overdue" if item.overdue else "")
        )
    out.print("history:")
    for entry in detail.history:
        stamp = datetime.fromtimestamp(entry.at, UTC).strftime("%Y-%m-%d %H:%M:%S")
        out.print(f"  {stamp} {escape(one_line(entry.what, 300))}")
