"""The architecture holds: imports point one way (the import-linter contracts in pyproject.toml)
and the plugin API stays small."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_import_contracts_hold() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run(
        [str(linter), "--no-cache"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "BROKEN" not in proc.stdout


def test_the_plugin_api_loads_no_schema_store_or_cli() -> None:
    code = (
        "import sys, scanner.api; print('\\n'.join(m for m in sys.modules "
        "if m.startswith(('scanner.', 'reports', 'checks'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    heavy = (
        "scanner.inventory",
        "scanner.store",
        "scanner.cli",
        "scanner.app",
        "reports",
        "checks",
        "scanner.tracking",
        "scanner.notices",
    )
    assert not [m for m in loaded if m.startswith(heavy)], loaded
