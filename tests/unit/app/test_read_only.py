"""Read-only commands change nothing: summary, findings, issues, issue, diff, explain, runs and
notice show leave every table of the store as it was (no notice, issue, run or round is created
or changed as a side effect)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from scanner.app.notices import issue_run_notices, record_notice_action
from scanner.cli.main import main
from scanner.core.models import Severity
from scanner.store import Store
from tests.unit.app.stored import REDIS, fail, stored_run, two_runs


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the schema's too), in rowid order."""
    with sqlite3.connect(path) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        tables = {
            name: conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall()  # noqa: S608
            for name in names
        }
        tables["sqlite_master"] = conn.execute(
            "SELECT * FROM sqlite_master ORDER BY name"
        ).fetchall()
    return tables


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """A store with two runs, the first round's notices, an enforcement action, and a third run
    that finds something new (so that a summary issuing notices would have work to do)."""
    path = tmp_path / "scanner.db"
    store = Store.open(f"sqlite:///{path}")
    first, _ = two_runs(store)
    [notice] = issue_run_notices(store, first, tmp_path / "out", ["md"], ["en"]).notices
    record_notice_action(
        store, notice.number, kind="interview", reference="IV-1", recorded_by="Wang"
    )
    stored_run(
        store,
        fail(REDIS, "6379/tcp", Severity.CRITICAL),
        fail("net.telnet-exposed", "23/tcp", Severity.HIGH),
    )
    store.close()
    return path


READ_ONLY = [
    ["summary", "--format", "html,json,md", "--lang", "zh-CN,en"],
    ["summary", "--run", "1", "--format", "json", "--lang", "en"],
    ["findings"],
    ["findings", "--run", "1", "--json", "--errors"],
    ["issues"],
    ["issues", "--json", "--overdue"],
    ["issue", "1"],
    ["diff", "1", "3"],
    ["diff", "2", "3", "--json"],
    ["explain", "1"],
    ["runs"],
    ["notice", "show", "T-1-0001"],
    ["evidence", "chain"],
    ["evidence", "chain", "--run", "1"],
]


@pytest.mark.parametrize("args", READ_ONLY, ids=" ".join)
def test_a_read_only_command_changes_nothing(
    args: list[str], store_path: Path, tmp_path: Path
) -> None:
    before = dump(store_path)
    extra = ["--out", str(tmp_path / "summary")] if args[0] == "summary" else []
    if args[0] == "diff":
        extra = ["--html", str(tmp_path / "diff.html")]
    result = CliRunner().invoke(main, [*args, *extra, "--db", f"sqlite:///{store_path}"])
    assert result.exit_code == 0, result.output
    assert dump(store_path) == before


def test_the_summary_reports_notices_without_issuing_any(store_path: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["summary", "--out", str(tmp_path), "--format", "json", "--db", f"sqlite:///{store_path}"],
    )
    assert result.exit_code == 0, result.output
    assert "1 notices served" in result.output  # run 3's new telnet issue is on no notice yet
