"""Enforcement actions: recorded against a notice with day, reference and recorder, refused when
incomplete, shown in the notice's history and on the notice; the CLI's `notice action` and
`notice show`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.app.notices import issue_run_notices, record_notice_action, show_notice
from scanner.cli.main import main
from scanner.core.errors import UserError
from scanner.store import Store
from tests.unit.app.stored import two_runs


@pytest.fixture
def number(db_url: str, tmp_path: Path) -> str:
    store = Store.open(db_url)
    first, _ = two_runs(store)
    [notice] = issue_run_notices(store, first, tmp_path, ["md"], ["en"]).notices
    return notice.number


def test_actions_are_recorded_and_in_the_history(db_url: str, number: str) -> None:
    store = Store.open(db_url)
    record_notice_action(
        store, number, kind="interview", reference="IV-1", recorded_by="Wang", day=date(2026, 4, 1)
    )
    detail = record_notice_action(
        store, number, kind="fine", amount=20000, reference="PEN-9", recorded_by="Wang"
    )
    kinds = [(a.kind, a.amount, a.reference) for a in detail.notice.actions]
    assert kinds == [("interview", None, "IV-1"), ("fine", 20000.0, "PEN-9")]
    assert detail.notice.actions[0].day == date(2026, 4, 1)
    history = [e.what for e in show_notice(store, number).history]
    assert history[0] == "issued in round 1"
    assert len(history) == 3  # issued, then the two actions (its one item has not changed)
    assert "fine of 20,000.00 yuan" in history[-1] and "recorded by Wang" in history[-1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "fine"}, "a fine needs its amount"),
        ({"kind": "fine", "amount": -5.0}, "a fine needs its amount"),
        ({"kind": "warning", "amount": 10.0}, "--amount is for fines only"),
        ({"kind": "arrest"}, "is not an enforcement action"),
        ({"kind": "warning", "reference": " "}, "--reference must be one line"),
        ({"kind": "warning", "reference": "A\x1b[2J"}, "--reference must be one line"),
    ],
)
def test_incomplete_actions_are_refused(
    db_url: str, number: str, kwargs: dict[str, object], message: str
) -> None:
    store = Store.open(db_url)
    args: dict[str, object] = {"reference": "REF-1", "recorded_by": "Wang", **kwargs}
    with pytest.raises(UserError, match=message):
        record_notice_action(store, number, **args)  # type: ignore[arg-type]
    assert store.notices.actions() == []


def test_cli_notice_action_and_show(db_url: str, number: str) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "notice",
            "action",
            number,
            "--kind",
            "shutdown",
            "--reference",
            "SD-1",
            "--by",
            "Zhao",
            "--date",
            "2026-05-02",
            "--db",
            db_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "recorded shutdown" in result.output and "shutdown on 2026-05-02, SD-1" in result.output
    bad = runner.invoke(
        main, ["notice", "action", number, "--kind", "fine", "--reference", "X", "--db", db_url]
    )
    assert bad.exit_code == 2 and "a fine needs its amount" in bad.output
    unknown = runner.invoke(main, ["notice", "show", "NOPE-1", "--db", db_url])
    assert unknown.exit_code == 2 and "there is no notice NOPE-1" in unknown.output
    shown = runner.invoke(main, ["notice", "show", number, "--db", db_url])
    assert shown.exit_code == 0 and "round 1" in shown.output and "SD-1" in shown.output


def test_cli_notices_names_the_round(db_url: str, number: str, tmp_path: Path) -> None:
    runner = CliRunner()
    out = ["--format", "md", "--lang", "en", "--out", str(tmp_path / "n"), "--db", db_url]
    again = runner.invoke(main, ["notices", "--run", "1", *out])
    assert again.exit_code == 0 and "round 1: 1 notices for run 1" in again.output
    assert number in again.output
    later = runner.invoke(main, ["notices", *out])  # the latest full run: run 2
    assert later.exit_code == 0, later.output
    assert "round 2: 0 notices for run 2 (nothing new to rectify)" in later.output
    old = runner.invoke(main, ["notices", "--run", "1", *out])
    assert old.exit_code == 0  # run 1 opened round 1: re-read, not refused
