"""The notice writer writes only plain file names inside its folder, whatever the number
(issue 13, item 7: defence in depth behind the inventory's check of the reference)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from scanner.app.notices import document_path, issue_run_notices, write_notice
from scanner.core.errors import UserError
from scanner.store import Store
from tests.unit.app.stored import two_runs


@pytest.mark.parametrize(
    "name",
    ["../../x.en.md", "a/b.en.md", "..", ".", "", "x\\y.md", "x\x1b[2J.md", "/etc/passwd"],
)
def test_names_outside_the_folder_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(UserError, match="refusing to write"):
        document_path(tmp_path, name)


def test_a_symbolic_link_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "N-0001.en.md").symlink_to(tmp_path / "elsewhere.md")
    with pytest.raises(UserError, match="refusing to write"):
        document_path(tmp_path / "out", "N-0001.en.md")
    assert document_path(tmp_path / "out", "N-0002.en.md") == tmp_path / "out" / "N-0002.en.md"


def test_a_stored_number_with_dots_writes_nothing(db_url: str, tmp_path: Path) -> None:
    store = Store.open(db_url)
    two_runs(store)
    [notice] = issue_run_notices(store, None, tmp_path / "a" / "b", ["md"], ["en"]).notices
    hostile = dataclasses.replace(notice, number="../../escaped-0001")
    with pytest.raises(UserError, match="refusing to write"):
        write_notice(hostile, tmp_path / "a" / "b", ["md"], ["en"])
    assert not list(tmp_path.glob("escaped*")) and not list(tmp_path.glob("a/escaped*"))
