"""Commands about the documents the scanner issues: notices, summary, verify, explain.

What came from a target (locations) is printed through :func:`~scanner.core.text.one_line`.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from reports.render import FORMATS, LANGUAGES
from scanner.app.notices import (
    SUMMARY_FORMATS,
    choices,
    explain_issue,
    issue_run_notices,
    verify_and_write,
    write_summary,
)
from scanner.cli.progress import RichProgress
from scanner.cli.util import DB_OPTION, err, out, user_errors
from scanner.core.lifecycle import NoticeStatus
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
@click.option("--run", "run_id", type=int, default=None, help="Run id (default: the latest).")
@FORMAT_OPTION
@LANG_OPTION
@OUT_OPTION
@DB_OPTION
@user_errors
def notices_cmd(run_id: int | None, fmt: str, lang: str, out_dir: Path, db_url: str | None) -> None:
    """Issue the rectification notices of a run (one per entity with open items)."""
    formats, langs = choices(fmt, FORMATS, "--format"), choices(lang, LANGUAGES, "--lang")
    store = Store.open(db_url, create=False)
    issued = issue_run_notices(store, run_id, out_dir, formats, langs)
    for notice in issued.notices:
        counts = ", ".join(f"{n} {level}" for level, n in notice.counts().items())
        out.print(
            f"{notice.number} to {escape(one_line(notice.entity_name))}: {len(notice.items)} items "
            f"({counts}); reply by {notice.reply_by}; {notice.status}"
        )
    out.print(
        f"{len(issued.notices)} notices for run {issued.run_id} written to "
        f"{escape(str(issued.folder))}/"
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
    out.print(
        f"run {written.run_id}: {summary.total} issues ({summary.issues['high']} high risk), "
        f"{summary.notices_served} notices served; summary in {escape(str(written.folder))}/"
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
