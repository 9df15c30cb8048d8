"""compile_run: preflight once, then the frozen run every stage reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.app.compile import checks_dirs, compile_run
from scanner.core.errors import UserError
from scanner.inventory.schema import load_inventory
from tests.helpers import write
from tests.unit.inventory.test_schema import MINIMAL


def test_compiled_run_holds_checks_addresses_and_limits(tmp_path: Path) -> None:
    run = compile_run(load_inventory(write(tmp_path / "inv.yaml", MINIMAL)), "remote")
    assert run.profile_name == "remote" and run.addresses == {("ent", "web"): ("127.0.10.1",)}
    assert run.checks and all(c.meta.mode.value == "remote" for c in run.checks)
    assert run.remote and run.only is None and len(run.sha256) == 64
    assert run.limits.workers > 0 and run.guard.address_problem("127.0.10.1") is None


def test_restricted_keeps_only_its_checks_and_assets(tmp_path: Path) -> None:
    run = compile_run(load_inventory(write(tmp_path / "inv.yaml", MINIMAL)), "remote")
    only = {("ent", "web", "net.telnet-exposed")}
    rescan = run.restricted_to(only)
    assert [c.id for c in rescan.checks] == ["net.telnet-exposed"] and rescan.only == frozenset(
        only
    )
    assert run.restricted_to({("other", "x", "net.telnet-exposed")}).addresses == {}
    assert run.only is None  # the compiled run itself is unchanged


def test_preflight_problems_are_one_user_error(tmp_path: Path) -> None:
    text = MINIMAL.replace("127.0.10.1", "198.51.100.9")
    inv = load_inventory(write(tmp_path / "inv.yaml", text))
    with pytest.raises(UserError, match="problem") as info:
        compile_run(inv, "nonesuch")
    assert "there is no profile 'nonesuch'" in str(info.value)
    assert "outside the declared scope" in str(info.value)


def test_checks_dirs_must_be_folders(tmp_path: Path) -> None:
    assert checks_dirs([tmp_path]) == [tmp_path]
    with pytest.raises(UserError, match="not a folder"):
        checks_dirs([tmp_path / "missing"])
