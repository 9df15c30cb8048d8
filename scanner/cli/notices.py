"""Commands about the documents the scanner issues: notices, summary, verify, explain."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from reports.render import FORMATS, LANGUAGES, closure_letter, render_notice, render_summary
from scanner.app.verify import verify_notice
from scanner.cli.progress import RichProgress
from scanner.cli.util import DB_OPTION, err, out, user_errors
from scanner.core.documents import Notice
from scanner.core.errors import UserError
from scanner.engine.registry import discover
from scanner.notices.build import build_summary, issue_notices, issue_risk, run_inventory
from scanner.store import Store

SUFFIX = {"html": "html", "md": "md", "pdf": "pdf", "json": "json", "csv": "csv"}


def _choices(value: str, allowed: tuple[str, ...], option: str) -> list[str]:
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    wrong = [v for v in chosen if v not in allowed]
    if wrong or not chosen:
        raise UserError(f"{option} {value!r}: choose from {', '.join(allowed)} (comma-separated).")
    return chosen


def _run_id(store: Store, run_id: int | None) -> int:
    run_id = run_id if run_id is not None else store.runs.latest_id()
    if run_id is None:
        raise UserError("the store has no runs yet. Fix: `scanner run INVENTORY` first.")
    store.runs.get(run_id)
    return run_id


def write_notice(notice: Notice, out_dir: Path, formats: list[str], langs: list[str]) -> list[Path]:
    """Render one notice in every format and language into ``out_dir``."""
    written = []
    for lang in langs:
        for fmt in formats:
            path = out_dir / f"{notice.number}.{lang}.{SUFFIX[fmt]}"
            path.write_bytes(render_notice(notice, fmt, lang))
            written.append(path)
    return written


def _out_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(
            f"--out {path}: cannot create the folder ({exc}). Fix: choose a writable folder."
        ) from None
    return path


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
    formats, langs = _choices(fmt, FORMATS, "--format"), _choices(lang, LANGUAGES, "--lang")
    store = Store.open(db_url, create=False)
    run_id = _run_id(store, run_id)
    notices = issue_notices(store, run_id, discover())
    folder = _out_dir(out_dir)
    for notice in notices:
        write_notice(notice, folder, formats, langs)
        counts = ", ".join(f"{n} {level}" for level, n in notice.counts().items())
        out.print(
            f"{notice.number} to {escape(notice.entity_name)}: {len(notice.items)} items "
            f"({counts}); reply by {notice.reply_by}; {notice.status}"
        )
    out.print(f"{len(notices)} notices for run {run_id} written to {escape(str(folder))}/")


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
    formats = _choices(fmt, ("html", "json", "md"), "--format")
    langs = _choices(lang, LANGUAGES, "--lang")
    store = Store.open(db_url, create=False)
    run_id = _run_id(store, run_id)
    summary = build_summary(store, run_id, discover())
    folder = _out_dir(out_dir)
    for one_lang in langs:
        for one_fmt in formats:
            path = folder / f"summary-run{run_id}.{one_lang}.{SUFFIX[one_fmt]}"
            path.write_bytes(render_summary(summary, one_fmt, one_lang))
    out.print(
        f"run {run_id}: {summary.total} issues ({summary.issues['high']} high risk), "
        f"{summary.notices_served} notices served; summary in {escape(str(folder))}/"
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
    formats, langs = _choices(fmt, FORMATS, "--format"), _choices(lang, LANGUAGES, "--lang")
    store = Store.open(db_url, create=False)
    observer = RichProgress(err) if err.is_terminal else None
    result = verify_notice(store, number, discover(), inventory=inventory, observer=observer)
    notice = result.notice
    folder = _out_dir(out_dir)
    write_notice(notice, folder, formats, langs)
    for item in notice.items:
        out.print(
            f"  {item.status:17} {item.level:6} {item.check_id} {escape(item.asset_id)} "
            f"{escape(item.location)}"
        )
    if notice.status == "rectified":
        for one_lang in langs:
            path = folder / f"{notice.number}.closure.{one_lang}.html"
            path.write_bytes(closure_letter(notice, one_lang))
        out.print(f"notice {number} is rectified; closure letter written to {escape(str(folder))}/")
    else:
        out.print(f"notice {number}: {notice.status} (verification run {result.run.run_id})")


@click.command(name="explain")
@click.argument("issue_id", type=int)
@DB_OPTION
@user_errors
def explain_cmd(issue_id: int, db_url: str | None) -> None:
    """Show how an issue's risk score and level came about."""
    store = Store.open(db_url, create=False)
    issue = store.issues.get(issue_id)
    risk = issue_risk(run_inventory(store, issue.last_seen_run), issue)
    out.print(
        f"issue {issue_id} ({issue.check_id} on {escape(issue.entity_id)}/"
        f"{escape(issue.asset_id)}): risk {risk.score:g}, {risk.level}"
    )
    for step in risk.steps:
        out.print(f"  {escape(step)}")
