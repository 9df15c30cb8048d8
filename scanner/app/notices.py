"""The documents the scanner issues: rectification notices of a run, the campaign summary,
a verified notice with its closure letter, and how an issue's risk came about.

Building them is :mod:`scanner.notices.build`; rendering is :mod:`reports.render`. This module
joins the two and writes each document into a folder, once per format and language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reports.formats import REGISTRY
from reports.render import closure_letter, render_notice, render_summary
from scanner.app.results import resolve_run
from scanner.app.runs import Observer, RunResult
from scanner.app.verify import verify_notice
from scanner.core.documents import Notice, Summary
from scanner.core.errors import UserError
from scanner.core.lifecycle import NoticeStatus
from scanner.core.text import inert
from scanner.engine.registry import discover
from scanner.notices.actions import HistoryEntry, notice_history, record_action
from scanner.notices.build import (
    build_notice,
    build_summary,
    issue_notices,
    issue_risk,
    notice_id,
    run_inventory,
)
from scanner.notices.risk import Risk
from scanner.store import Store
from scanner.store.issues import IssueRow

SUFFIX = {name: f.extension for name, f in REGISTRY.items()}  # each format names its own
#: The formats a summary is written in.
SUMMARY_FORMATS = ("html", "json", "md")


@dataclass(frozen=True)
class IssuedNotices:
    """The notices of a run, written.

    Attributes:
        run_id: the run.
        notices: the round's notices: one per entity with open items on no notice yet.
        folder: where they were written.
        round: the number of the round the run opened.
    """

    run_id: int
    notices: list[Notice]
    folder: Path
    round: int = 0


@dataclass(frozen=True)
class WrittenSummary:
    """A run's campaign summary, written.

    Attributes:
        run_id: the run.
        summary: the summary.
        folder: where it was written.
    """

    run_id: int
    summary: Summary
    folder: Path


@dataclass(frozen=True)
class VerifiedNotice:
    """A notice re-rendered after its verification rescan.

    Attributes:
        notice: the notice, each item with its verified status.
        run: the rescan.
        folder: where the notice (and, when rectified, its closure letter) was written.
    """

    notice: Notice
    run: RunResult
    folder: Path


@dataclass(frozen=True)
class Explanation:
    """How an issue's risk score and level came about.

    Attributes:
        issue: the issue (a store row).
        risk: its score, level and the steps that made them.
    """

    issue: IssueRow
    risk: Risk


@dataclass(frozen=True)
class NoticeDetail:
    """One notice as it stands now, and its history.

    Attributes:
        notice: the notice (its items in their current state, its actions).
        history: its issue, its items' changes since, the enforcement actions, oldest first.
    """

    notice: Notice
    history: list[HistoryEntry]


def choices(value: str, allowed: Sequence[str], option: str) -> list[str]:
    """The comma-separated ``value`` of ``option`` as a list, each one of ``allowed``."""
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    wrong = [v for v in chosen if v not in allowed]
    if wrong or not chosen:
        raise UserError(f"{option} {value!r}: choose from {', '.join(allowed)} (comma-separated).")
    return chosen


def write_notice(
    notice: Notice, out_dir: Path, formats: Sequence[str], langs: Sequence[str]
) -> list[Path]:
    """Render one notice in every format and language into ``out_dir``."""
    written = []
    for lang in langs:
        for fmt in formats:
            path = document_path(out_dir, f"{notice.number}.{lang}.{SUFFIX[fmt]}")
            path.write_bytes(render_notice(notice, fmt, lang))
            written.append(path)
    return written


def issue_run_notices(
    store: Store,
    run_id: int | None,
    out_dir: Path,
    formats: Sequence[str],
    langs: Sequence[str],
) -> IssuedNotices:
    """Issue the notices of the round of run ``run_id`` (the latest full run when None: a
    verification rescan opens no round) and write them."""
    run_id = resolve_run(store, run_id if run_id is not None else store.runs.latest_full_id())
    notices = issue_notices(store, run_id, discover())
    folder = _folder(out_dir)
    for notice in notices:
        write_notice(notice, folder, formats, langs)
    return IssuedNotices(run_id, notices, folder, store.notices.round_of_runs().get(run_id, 0))


def write_summary(
    store: Store,
    run_id: int | None,
    out_dir: Path,
    formats: Sequence[str],
    langs: Sequence[str],
) -> WrittenSummary:
    """Write the campaign summary of run ``run_id`` (the latest when None)."""
    run_id = resolve_run(store, run_id)
    summary = build_summary(store, run_id, discover())
    folder = _folder(out_dir)
    for lang in langs:
        for fmt in formats:
            path = document_path(folder, f"summary-run{run_id}.{lang}.{SUFFIX[fmt]}")
            path.write_bytes(render_summary(summary, fmt, lang))
    return WrittenSummary(run_id, summary, folder)


def verify_and_write(
    store: Store,
    number: str,
    out_dir: Path,
    formats: Sequence[str],
    langs: Sequence[str],
    *,
    inventory: Path | None = None,
    observer: Observer | None = None,
) -> VerifiedNotice:
    """Rescan notice ``number``'s open items, write it again, and its closure letter in every
    language when it is rectified."""
    found = verify_notice(store, number, discover(), inventory=inventory, observer=observer)
    notice = found.notice
    folder = _folder(out_dir)
    write_notice(notice, folder, formats, langs)
    if notice.status == NoticeStatus.RECTIFIED:
        for lang in langs:
            path = document_path(folder, f"{notice.number}.closure.{lang}.html")
            path.write_bytes(closure_letter(notice, lang))
    return VerifiedNotice(notice, found.run, folder)


def show_notice(store: Store, number: str) -> NoticeDetail:
    """Notice ``number`` as it stands now, with its history."""
    nid = notice_id(store, number)
    return NoticeDetail(build_notice(store, nid, discover()), notice_history(store, nid))


def record_notice_action(
    store: Store,
    number: str,
    *,
    kind: str,
    reference: str,
    recorded_by: str,
    day: date | None = None,
    amount: float | None = None,
    note: str = "",
) -> NoticeDetail:
    """Record an enforcement action against notice ``number``; the notice with its history."""
    nid = notice_id(store, number)
    record_action(
        store,
        nid,
        kind=kind,
        reference=reference,
        recorded_by=recorded_by,
        day=day,
        amount=amount,
        note=note,
    )
    return show_notice(store, number)


def explain_issue(store: Store, issue_id: int) -> Explanation:
    """How issue ``issue_id``'s risk came about, with the inventory of the run that last saw
    it."""
    issue = store.issues.get(issue_id)
    return Explanation(issue, issue_risk(run_inventory(store, issue.last_seen_run), issue, store))


def document_path(folder: Path, name: str) -> Path:
    """``folder / name``, or a UserError when ``name`` is not one plain file name inside
    ``folder`` (a separator, ``..``, a control character, or a symbolic link pointing out).

    Notice numbers are validated in the inventory (``authorization.reference``); this is the
    writer's own guard, for numbers already stored or prefixes from anywhere else.
    """
    path = folder / name
    plain = (
        name not in ("", ".", "..")
        and ".." not in name
        and Path(name).name == name
        and not any(sep in name for sep in ("/", "\\", "\x00"))
        and name == inert(name)
    )
    if not plain or path.resolve().parent != folder.resolve():
        raise UserError(
            f"refusing to write {inert(name)!r}: it is not a file name inside {folder}. Fix: "
            "give the campaign a plain notice_prefix or authorization.reference (letters, "
            "digits, - and _)."
        )
    return path


def _folder(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(
            f"--out {path}: cannot create the folder ({exc}). Fix: choose a writable folder."
        ) from None
    return path
