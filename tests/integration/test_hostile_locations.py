"""A location that carries terminal escapes reaches no terminal raw (issue 13, item 6).

A check from a folder the inventory names reports a finding whose location is a file name a
local user of an audited host could create: ESC/CSI, OSC, the C1 CSI (U+009B) and a bidi
override. The run, ``scanner findings``, ``scanner issues``, ``scanner notices`` and
``scanner verify`` (a real rescan, which finds it again) and every ``--json`` print it without
one raw control character. Nothing but the test's own process is contacted: the URL asset's
port is never connected to (the check does not connect).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scanner.core.text import inert
from tests.conftest import REPO
from tests.helpers import write
from tests.pg import free_port
from tests.unit.inventory.test_schema import MINIMAL

LOCATION = "/usr/bin/\x1b[2J\x1b]0;owned\x07\x9b31mred\u202eexe.hs\x1b[0m"

CHECK = '''\
"""A test check whose finding's location is a hostile file name."""

from scanner.api import AppliesTo, AssetKind, Check, Finding, Severity

LOCATION = {location!r}


class HostileLocation(Check):
    id = "host.hostile-location-test"
    title = "A check that reports a setuid file named with terminal escapes"
    family = "host"
    severity = Severity.HIGH
    applies_to = AppliesTo(kinds=(AssetKind.URL,))
    remediation = "Remove the file."

    def run(self, target, ctx):
        yield Finding(self.id, target.entity_id, target.asset_id, LOCATION, self.severity,
                      "setuid root")
'''

INVENTORY = MINIMAL.partition("scope:")[0] + (
    "scope:\n  allow: [127.0.0.1/32]\n"
    "entities:\n  - {id: ent, name: Entity, sector: energy, "
    "assets: [{id: site, url: 'http://127.0.0.1:{port}/'}]}\n"
    "profiles:\n  p:\n    checks: [host.hostile-location-test]\n"
    "checks:\n  dirs: [hostile]\n"
)

# Every C0 control but newline, DEL, C1, the bidi overrides and isolates.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "hostile").mkdir()
    write(tmp_path / "hostile" / "hostile_location.py", CHECK.format(location=LOCATION))
    write(tmp_path / "inv.yaml", INVENTORY.replace("{port}", str(free_port())))
    return tmp_path


def scanner(folder: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "scanner.cli", *args, "--db", f"sqlite:///{folder}/s.db"],
        cwd=folder,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "COLUMNS": "400"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    for stream in (proc.stdout, proc.stderr):
        raw = RAW_CONTROL.findall(stream)
        assert not raw, f"scanner {' '.join(args)} printed {raw!r}:\n{stream}"
    return proc.stdout


def test_no_raw_control_character_reaches_stdout(folder: Path) -> None:
    inv = str(folder / "inv.yaml")
    scanner(folder, "run", inv, "--profile", "p")
    ran: dict[str, Any] = json.loads(scanner(folder, "run", inv, "--profile", "p", "--json"))
    assert [f["location"] for f in ran["findings"]] == [inert(LOCATION)]
    assert "\\x1b[2J" in scanner(folder, "findings")
    [found] = json.loads(scanner(folder, "findings", "--json"))
    assert found["location"] == inert(LOCATION)
    scanner(folder, "issues")
    [issue] = json.loads(scanner(folder, "issues", "--json"))
    assert issue["location"] == inert(LOCATION)
    scanner(folder, "issue", str(issue["id"]))
    notices = scanner(folder, "notices", "--format", "md", "--lang", "en", "--out", "out")
    number = notices.split()[0]
    verified = scanner(
        folder, "verify", "--notice", number, "--format", "md", "--lang", "en", "--out", "v"
    )
    assert "not_rectified" in verified and "\\x1b[2J" in verified
