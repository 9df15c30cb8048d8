"""User-supplied credential lists: read in file order, every bad line named by file and line
(never quoting the line: it may hold a password), and checked by preflight."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.app.compile import preflight
from scanner.core.errors import UserError
from scanner.engine.compiled import load_registry
from scanner.inventory.credlists import CredentialListError, read_list
from scanner.inventory.schema import load_inventory
from tests.helpers import write
from tests.unit.inventory.test_schema import MINIMAL


def test_entries_in_file_order(tmp_path: Path) -> None:
    path = write(tmp_path / "l.txt", "# comment\n\nadmin:pa:ss\n:Summer2026!\r\nroot: spaced \n")
    assert read_list(path) == (("admin", "pa:ss"), ("", "Summer2026!"), ("root", " spaced "))


def test_every_bad_line_is_named_without_its_text(tmp_path: Path) -> None:
    path = write(tmp_path / "l.txt", "ok:fine\nHunter2Secret\n root:x\nadmin:\nx:\x07bell\n")
    with pytest.raises(CredentialListError) as info:
        read_list(path)
    problems = info.value.problems
    assert [p.split(": ", 1)[0] for p in problems] == [f"{path}:{n}" for n in (2, 3, 4, 5)]
    assert "no colon. Fix: write account:password" in problems[0]
    assert "Hunter2Secret" not in str(info.value)


def test_not_utf8_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "l.txt"
    path.write_bytes(b"a:b\nc:\xff\n")
    with pytest.raises(CredentialListError, match=r"l\.txt:2: not UTF-8"):
        read_list(path)
    with pytest.raises(CredentialListError, match="cannot read the credential list"):
        read_list(tmp_path / "missing.txt")


def test_preflight_names_the_inventory_line_and_the_list_line(tmp_path: Path) -> None:
    write(tmp_path / "l.txt", "root:ok\nbroken\n")
    text = MINIMAL + "checks:\n  credentials:\n    enabled: true\n    lists: [l.txt, gone.txt]\n"
    inv = load_inventory(write(tmp_path / "inv.yaml", text))
    with pytest.raises(UserError) as info:
        preflight(inv, load_registry(inv), profile=None)
    message = str(info.value)
    line = text.splitlines().index("    lists: [l.txt, gone.txt]") + 1
    listed = f"{tmp_path / 'l.txt'}:2: no colon"
    assert f"inv.yaml:{line}: checks.credentials.lists[0]: {listed}" in message
    assert f"checks.credentials.lists[1]: {tmp_path / 'gone.txt'}: cannot read" in message


def test_policy_limits_are_validated(tmp_path: Path) -> None:
    text = MINIMAL + "checks:\n  credentials:\n    max_attempts: 50\n    pause: -1\n"
    with pytest.raises(UserError) as info:
        load_inventory(write(tmp_path / "inv.yaml", text))
    assert "checks.credentials.max_attempts" in str(info.value)
    assert "checks.credentials.pause" in str(info.value)
