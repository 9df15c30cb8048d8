"""The ``scanner`` command line: schema, checks, ot-requests, run, runs, findings, and every other
command registered on the group of :mod:`scanner.cli.entry` (which lists them without importing
this module: a new command also gets a line in its ``COMMANDS`` table).

Every user-fixable problem is a :class:`~scanner.core.errors.UserError`: printed as one paragraph,
exit code 2, no traceback unless ``--debug``. Whatever a target sent is printed through
:func:`~scanner.core.text.one_line`, so it cannot move the cursor or recolour the terminal.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from scanner.app.catalogue import (
    catalogue_json,
    catalogue_markdown,
    inventory_markdown,
    ot_requests,
    ot_safety_markdown,
    schema_json,
)
from scanner.app.compile import checks_dirs
from scanner.app.mlps import cites, clause_key, coverage, coverage_markdown
from scanner.app.results import resolve_run, run_results
from scanner.app.runs import counts_line, run_inventory
from scanner.cli.checklist import checklist_cmd
from scanner.cli.entry import main
from scanner.cli.evidence import evidence_cmd, keys_cmd
from scanner.cli.feeds import feed_cmd
from scanner.cli.hostkeys import commands_cmd, hostkeys_cmd
from scanner.cli.issues import diff_cmd, false_positive_cmd, issue_cmd, issues_cmd, waive_cmd
from scanner.cli.jsonout import echo_json
from scanner.cli.notices import explain_cmd, notice_cmd, notices_cmd, summary_cmd, verify_cmd
from scanner.cli.progress import RichProgress
from scanner.cli.schedule import schedule_cmd
from scanner.cli.util import DB_OPTION, err, out, process_timings, user_errors
from scanner.cli.validate import validate
from scanner.cli.web import queue_cmd, serve_cmd, tokens_cmd, users_cmd
from scanner.cli.worker import coordinator, worker_cmd
from scanner.core.text import one_line
from scanner.engine.registry import discover
from scanner.store import Store
from scanner.store.attempts import AttemptRow, FindingRow

__all__ = ["main"]  # the group of scanner.cli.entry, every command registered on it here


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["json", "markdown"]), default="json", show_default=True
)
def schema(fmt: str) -> None:
    """Print the inventory's JSON Schema (or its Markdown reference)."""
    click.echo(schema_json() if fmt == "json" else inventory_markdown(), nl=False)


@main.command(name="checks")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option(
    "--checks-dir",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Extra folder of check modules.",
)
@click.option(
    "--clause",
    "clauses",
    multiple=True,
    help="Only checks citing this MLPS clause or item (8.1.4.1, 8.1.4.1b); repeatable.",
)
@user_errors
def checks_cmd(
    fmt: str, as_json: bool, checks_dir: tuple[Path, ...], clauses: tuple[str, ...]
) -> None:
    """Print the check catalogue. Exits 1 when a check failed to load or an id is duplicated."""
    registry = discover(checks_dirs(checks_dir))
    for clause in clauses:
        try:
            clause_key(clause)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--clause") from exc
    chosen = [c for c in registry.sorted() if not clauses or any(cites(c, k) for k in clauses)]
    fmt = "json" if as_json else fmt
    if fmt == "json":
        echo_json(catalogue_json(registry, chosen))
    elif fmt == "markdown":
        click.echo(catalogue_markdown(registry, chosen), nl=False)
    else:
        table = Table("id", "severity", "mode", "applies to", "title")
        for c in chosen:
            m = c.meta
            applies = ", ".join([k.value for k in m.kinds] + list(m.services))
            table.add_row(m.id, m.severity.value, m.mode.value, applies, escape(m.title))
        out.print(table)
    for problem in registry.problems:
        err.print(f"[bold red]problem:[/] {escape(problem)}")
    if registry.problems:
        sys.exit(1)


@main.command(name="ot-requests")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "markdown", "json"]),
    default="table",
    show_default=True,
)
@user_errors
def ot_requests_cmd(fmt: str) -> None:
    """Print every industrial-protocol request the checks may send (all read-only), by check,
    and the identification probes (docs/ot-safety.md)."""
    checks = discover(entry_points=False).sorted()
    if fmt == "markdown":
        click.echo(ot_safety_markdown(checks), nl=False)
    elif fmt == "json":
        echo_json([{"check": c, "request": k, "what": w} for c, k, w in ot_requests(checks)])
    else:
        table = Table("check", "request", "what it is")
        for check_id, kind, what in ot_requests(checks):
            table.add_row(check_id, kind, escape(what))
        out.print(table)


@main.command(name="coverage")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
)
@click.option(
    "--checks-dir",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Extra folder of check modules.",
)
@user_errors
def coverage_cmd(fmt: str, checks_dir: tuple[Path, ...]) -> None:
    """Print which checks evidence each MLPS level-3 item of 8.1.4 (secure computing
    environment), or that a checklist question asks it, or that nothing covers it."""
    registry = discover(checks_dirs(checks_dir))
    if fmt == "markdown":
        click.echo(coverage_markdown(registry.sorted()), nl=False)
    elif fmt == "json":
        echo_json([asdict(r) | {"status": r.status} for r in coverage(registry.sorted())])
    else:
        table = Table("item", "evidence", "checks")
        for r in coverage(registry.sorted()):
            table.add_row(r.item, r.status, ", ".join(r.checks + r.clause_checks + r.questions))
        out.print(table)


@main.command()
@click.argument("inventory", type=click.Path(path_type=Path))
@click.option("--profile", default="full", show_default=True, help="Profile to run.")
@click.option(
    "--checks-dir",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Extra folder of check modules.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the run's results as JSON.")
@click.option(
    "--timings",
    is_flag=True,
    help="Print where the time went, phase by phase (start-up, preflight, discovery, "
    "identification, checks, storage, reconciliation) and how they overlapped; with --json "
    "the results always carry a `timings` object.",
)
@click.option(
    "--resume",
    "resume",
    type=int,
    default=None,
    metavar="RUN",
    help="Finish this unfinished run (same inventory and profile) instead of a new one.",
)
@DB_OPTION
@click.option(
    "--broker",
    default=None,
    envvar="SCANNER_BROKER",
    metavar="URL",
    help="Run the checks on `scanner worker` processes of this Celery broker "
    "(redis://HOST:PORT/0; default: $SCANNER_BROKER), one task per asset; use a --db the "
    "workers share (PostgreSQL). Needs SCANNER_TASK_KEY.",
)
@click.option(
    "--wait-timeout",
    type=click.FloatRange(min=1.0),
    default=3600.0,
    show_default=True,
    metavar="SECONDS",
    help="With --broker: how long to wait for the workers before the run fails.",
)
@user_errors
def run(
    inventory: Path,
    profile: str,
    checks_dir: tuple[Path, ...],
    as_json: bool,
    timings: bool,
    resume: int | None,
    db_url: str | None,
    broker: str | None,
    wait_timeout: float,
) -> None:
    """Run PROFILE of INVENTORY and store the results."""
    clock = process_timings()
    with clock.span("storage"):
        store = Store.open(db_url)
    result = run_inventory(
        inventory,
        profile,
        store,
        extra_dirs=checks_dir,
        resume=resume,
        observer=RichProgress(err) if err.is_terminal and not as_json else None,
        dispatch=coordinator(broker, wait_timeout) if broker else None,
        timings=clock,
    )
    stored = run_results(store, result.run_id)
    found = stored.findings
    if as_json:
        echo_json(
            {
                "run": result.run_id,
                "status": result.status,
                "profile": profile,
                "seconds": round(result.seconds, 3),
                "attempts": result.counts,
                "findings": [_finding_json(f) for f in found],
                "errors": [_attempt_json(a) for a in stored.errors],
                "unverified_privilege": stored.unverified_privilege,
                "refusals": [
                    {"target": r.target, "reason": r.reason, "check_id": r.check_id}
                    for r in result.refusals
                ],
                "issues": asdict(result.tracking) if result.tracking else None,
                "credential_logins": [
                    {
                        "entity_id": r.entity_id,
                        "asset_id": r.asset_id,
                        "check_id": r.check_id,
                        "address": r.tries.address,
                        "port": r.tries.port,
                        "service": r.tries.service,
                        "account": r.tries.account,
                        "logins": r.tries.tries,
                    }
                    for r in stored.credential_tries
                ],
                "timings": clock.as_json(),
            }
        )
        return
    _print_findings(found)
    out.print(
        f"run {result.run_id} {result.status} in {result.seconds:.1f} s: "
        f"{counts_line(result.counts)}; {len(found)} findings; "
        f"{len(result.refusals)} out-of-scope refusals."
    )
    for r in result.refusals:
        out.print(f"  refused: {escape(one_line(r.target))}: {escape(one_line(r.reason))}")
    if stored.unverified_privilege:
        out.print(
            f"{stored.unverified_privilege} on-site checks could not be verified for lack of "
            "privilege (`scanner findings --errors` says why; docs/onsite.md, Privilege)."
        )
    if stored.credential_tries:
        services = {(r.tries.address, r.tries.port) for r in stored.credential_tries}
        out.print(
            f"credential tests: {stored.credential_logins} logins to {len(services)} services "
            "(per account and service: `scanner run --json`, and the notices)"
        )
    if result.tracking:
        out.print(escape(result.tracking.line()))
    if timings:
        out.print(
            f"timings (seconds from the process's start; total {clock.as_json()['total']} s):"
        )
        for line in clock.lines():
            out.print(escape(line))


@main.command()
@DB_OPTION
@user_errors
def runs(db_url: str | None) -> None:
    """List runs with their attempt and finding counts, and the round each opened."""
    store = Store.open(db_url, create=False)
    table = Table(
        "run",
        "campaign",
        "profile",
        "round",
        "status",
        "started (UTC)",
        "seconds",
        "pass",
        "fail",
        "error",
        "skipped",
        "n/a",
        "findings",
    )
    opened = store.notices.round_of_runs()
    for r in store.runs.recent():
        seconds = f"{r.finished_at - r.started_at:.1f}" if r.finished_at else ""
        c = r.counts
        table.add_row(
            str(r.id),
            escape(r.campaign),
            escape(r.profile),
            str(opened[r.id]) if r.id in opened else "",
            r.status,
            datetime.fromtimestamp(r.started_at, UTC).strftime("%Y-%m-%d %H:%M:%S"),
            seconds,
            *(str(c.get(s, 0)) for s in ("pass", "fail", "error", "skipped", "not_applicable")),
            str(r.findings),
        )
    out.print(table)


@main.command()
@click.option("--run", "run_id", type=int, default=None, help="Run id (default: the latest).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--errors", is_flag=True, help="Also list error attempts with their reasons.")
@DB_OPTION
@user_errors
def findings(run_id: int | None, as_json: bool, errors: bool, db_url: str | None) -> None:
    """Print a run's findings, worst first."""
    store = Store.open(db_url, create=False)
    stored = run_results(store, resolve_run(store, run_id))
    found = stored.findings
    if as_json:
        echo_json([_finding_json(f) for f in found])
        return
    _print_findings(found)
    if errors:
        for a in stored.errors:
            out.print(
                f"error: {a.check_id} {escape(a.entity_id)}/"
                f"{escape(a.asset_id)} {escape(one_line(a.location))}: "
                f"{a.error_reason}{f' (privilege {a.privilege})' if a.privilege else ''}: "
                f"{escape(one_line(a.reason))}"
            )


def _print_findings(found: list[FindingRow]) -> None:
    table = Table("severity", "entity/asset", "location", "check", "evidence")
    for f in found:
        table.add_row(
            f.severity,
            escape(f"{f.entity_id}/{f.asset_id}"),
            escape(one_line(f.location, 60)),
            f.check_id,
            escape(one_line(f.evidence, 120)),
        )
    out.print(table)


def _finding_json(f: FindingRow) -> dict[str, Any]:
    keys = (
        "fingerprint",
        "check_id",
        "entity_id",
        "asset_id",
        "location",
        "severity",
        "evidence",
        "detail",
    )
    return {k: _plain(getattr(f, k)) for k in keys}


def _attempt_json(a: AttemptRow) -> dict[str, Any]:
    keys = (
        "check_id",
        "entity_id",
        "asset_id",
        "location",
        "status",
        "error_reason",
        "reason",
        "privilege",
    )
    return {k: _plain(getattr(a, k)) for k in keys}


def _plain(value: Any) -> Any:
    # Statuses and severities are enums in the rows; JSON shows their values.
    return value.value if isinstance(value, Enum) else value


for _command in (
    validate,
    issues_cmd,
    issue_cmd,
    waive_cmd,
    false_positive_cmd,
    diff_cmd,
    notices_cmd,
    notice_cmd,
    summary_cmd,
    verify_cmd,
    explain_cmd,
    hostkeys_cmd,
    commands_cmd,
    checklist_cmd,
    schedule_cmd,
    worker_cmd,
    evidence_cmd,
    keys_cmd,
    feed_cmd,
    serve_cmd,
    users_cmd,
    tokens_cmd,
    queue_cmd,
):
    main.add_command(_command)


if __name__ == "__main__":
    main()
