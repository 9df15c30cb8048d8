"""The ``scanner`` group's static command table (scanner/cli/entry.py) matches the commands, and
``--help``, ``--version`` and ``validate`` start without the heavy libraries.

The first test is what keeps the table from going stale: a command added to the CLI without its
line in ``COMMANDS`` (or with another short help) fails it. The others run in fresh interpreters
and read ``sys.modules``; no timing is asserted (bench/startup.py prints the times).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

import scanner.cli.main  # registers every command on the group
from scanner.cli.entry import COMMANDS, load, main
from tests.helpers import write
from tests.unit.inventory.test_schema import MINIMAL

REPO = Path(__file__).resolve().parents[3]

#: Libraries (and our modules) that neither --help nor validate may import.
HEAVY = (
    "sqlalchemy",
    "alembic",
    "paramiko",
    "sslyze",
    "nassl",
    "requests",
    "urllib3",
    "cryptography",
    "jinja2",
    "weasyprint",
    "celery",
    "reports",
    "scanner.store",
    "scanner.app.runs",
)


def test_the_table_lists_every_command_where_it_lives_with_its_short_help() -> None:
    registered = main.commands
    assert scanner.cli.main.main is main
    missing = sorted(set(registered) - set(COMMANDS))
    extra = sorted(set(COMMANDS) - set(registered))
    assert not missing, f"add these commands to COMMANDS in scanner/cli/entry.py: {missing}"
    assert not extra, f"COMMANDS in scanner/cli/entry.py lists unknown commands: {extra}"
    for name, (path, short_help) in COMMANDS.items():
        command = registered[name]
        assert load(path) is command, f"{name}: COMMANDS says {path}"
        assert short_help == command.get_short_help_str(limit=10_000), name
        assert not command.hidden, f"{name} is hidden: drop it from COMMANDS"


@pytest.mark.parametrize("width", [50, 80, 120, 200])
def test_help_lists_the_commands_as_click_would(width: int) -> None:
    # click's own listing reads each (imported) command; the group's reads the table.
    ctx = click.Context(main, info_name="scanner", terminal_width=width, max_content_width=width)
    ours, clicks = ctx.make_formatter(), ctx.make_formatter()
    main.format_commands(ctx, ours)
    click.Group.format_commands(main, ctx, clicks)
    assert ours.getvalue() == clicks.getvalue()
    assert ours.getvalue().count("\n") > len(COMMANDS)


def _fresh(code: str) -> dict[str, object]:
    """Run ``code`` (which prints one JSON line last) in a fresh interpreter."""
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


_LOADED = (
    "import json, sys; heavy = {heavy!r}; "
    "print(json.dumps({{'out': out, 'loaded': sorted(m for m in sys.modules "
    "if m.startswith(heavy))}}))"
)


@pytest.mark.parametrize("option", ["--help", "--version"])
def test_help_and_version_import_no_command(option: str) -> None:
    code = (
        "import contextlib, io\n"
        "from scanner.cli import main\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        f"    main([{option!r}], standalone_mode=False)\n"
        "out = buf.getvalue()\n" + _LOADED.format(heavy=(*HEAVY, "scanner.cli.", "scanner.app"))
    )
    result = _fresh(code)
    assert result["loaded"] == ["scanner.cli.entry"]
    out = str(result["out"])
    if option == "--help":
        assert all(f"  {name} " in out for name in COMMANDS), out
    else:
        assert "scanner, version" in out


def test_validate_opens_no_store_and_imports_no_network_library(tmp_path: Path) -> None:
    inventory = write(tmp_path / "inv.yaml", MINIMAL)
    code = (
        "import contextlib, io\n"
        "from scanner.cli import main\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        f"    main(['validate', {str(inventory)!r}], standalone_mode=False)\n"
        "out = buf.getvalue()\n" + _LOADED.format(heavy=HEAVY)
    )
    result = _fresh(code)
    assert "valid." in str(result["out"])
    assert result["loaded"] == []
    assert not list(tmp_path.glob("*.db"))


def test_check_discovery_imports_no_network_library() -> None:
    # Every check module is imported; the libraries they scan with load when they first run.
    code = (
        "from scanner.engine.registry import discover\n"
        "r = discover()\n"
        "assert len(r.checks) > 50 and not r.problems, r.problems\n"
        "out = ''\n" + _LOADED.format(heavy=HEAVY)
    )
    assert _fresh(code)["loaded"] == []


def test_a_command_missing_from_the_table_still_runs() -> None:
    code = (
        "import click, sys\n"
        "from scanner.cli.entry import COMMANDS, main\n"
        "del COMMANDS['runs']\n"
        "cmd = main.get_command(click.Context(main), 'runs')\n"
        "out = cmd.name + ' ' + str('scanner.cli.main' in sys.modules)\n"
        + _LOADED.format(heavy=("scanner.cli.main",))
    )
    assert _fresh(code)["out"] == "runs True"
