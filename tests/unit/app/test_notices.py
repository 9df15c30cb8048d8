"""Notice services: notices and the summary written per format and language, explain."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.app.notices import choices, explain_issue, issue_run_notices, write_summary
from scanner.core.errors import UserError
from scanner.store import Store
from tests.unit.app.stored import REDIS, two_runs


def test_choices() -> None:
    assert choices("md, json", ("md", "json", "pdf"), "--format") == ["md", "json"]
    with pytest.raises(UserError, match="choose from md, json"):
        choices("doc", ("md", "json"), "--format")


def test_notices_of_the_latest_run_written(db_url: str, tmp_path: Path) -> None:
    store = Store.open(db_url)
    _, second = two_runs(store)
    issued = issue_run_notices(store, None, tmp_path / "out", ["md", "json"], ["en", "zh-CN"])
    [notice] = issued.notices
    assert issued.run_id == second and [i.check_id for i in notice.items] == [REDIS]
    assert sorted(p.name for p in issued.folder.iterdir()) == sorted(
        f"{notice.number}.{lang}.{fmt}" for lang in ("en", "zh-CN") for fmt in ("md", "json")
    )


def test_summary_written(db_url: str, tmp_path: Path) -> None:
    store = Store.open(db_url)
    first, _ = two_runs(store)
    written = write_summary(store, first, tmp_path, ["json"], ["en"])
    assert written.summary.run_id == first and (tmp_path / f"summary-run{first}.en.json").exists()


def test_unwritable_folder_and_explain(db_url: str, tmp_path: Path) -> None:
    store = Store.open(db_url)
    two_runs(store)
    (tmp_path / "file").write_text("")
    with pytest.raises(UserError, match="cannot create the folder"):
        issue_run_notices(store, None, tmp_path / "file" / "out", ["md"], ["en"])
    explained = explain_issue(store, 1)
    assert explained.issue.id == 1 and explained.risk.level in ("high", "medium", "low")
    assert explained.risk.steps
    with pytest.raises(UserError, match="there is no issue 42"):
        explain_issue(store, 42)
