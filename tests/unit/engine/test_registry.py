"""Check discovery and the contract every registered check must meet."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from scanner.engine.check import CHECK_ID
from scanner.engine.registry import discover
from tests.helpers import write

EXTRA = '''
"""An extra check from a folder."""
from scanner.api import AppliesTo, Check, Severity

class Extra(Check):
    id = "{id}"
    title = "An extra check for tests"
    family = "network"
    severity = Severity.LOW
    applies_to = AppliesTo(services=("thing",))
    remediation = "Nothing to remediate here."

    def run(self, target, ctx):
        yield from ()
'''


def test_every_builtin_check_meets_the_contract() -> None:
    registry = discover(entry_points=False)
    assert registry.problems == []
    assert {"net.telnet-exposed", "net.redis-no-auth", "web.hsts-missing"} <= set(registry.checks)
    for check in registry.checks.values():
        assert CHECK_ID.match(check.id)
        # id, file name and folder agree (prowler's rule): checks/<family>/<id suffix>.py
        _, family, module = check.module.split(".")
        assert family == check.meta.family, check.id
        assert module == check.id.split(".", 1)[1].replace("-", "_"), check.id
        assert len(check.meta.description) > 80, f"{check.id}: document the check in its module"
        assert check.meta.remediation.endswith("."), check.id


def test_folder_checks_load_and_duplicates_name_both_origins(tmp_path: Path) -> None:
    write(tmp_path / "extra.py", EXTRA.format(id="net.extra-thing"))
    write(tmp_path / "dup.py", EXTRA.format(id="net.redis-no-auth"))
    registry = discover([tmp_path], entry_points=False)
    assert "net.extra-thing" in registry.checks
    [problem] = registry.problems
    assert "net.redis-no-auth is defined twice" in problem
    assert "builtin checks.network.redis_no_auth" in problem and str(tmp_path / "dup.py") in problem


def test_load_failure_and_bad_metadata_are_reported(tmp_path: Path) -> None:
    write(tmp_path / "broken.py", "import no_such_module_here\n")
    write(tmp_path / "badmeta.py", EXTRA.format(id="Not An Id"))
    registry = discover([tmp_path], entry_points=False)
    text = "\n".join(registry.problems)
    assert "broken.py: failed to load: ModuleNotFoundError" in text
    assert "badmeta.py: check Extra has invalid metadata: id:" in text


def test_entry_point_checks_are_discovered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A stand-in for an installed third-party distribution: building and pip-installing a wheel
    # inside the test would be slow; the entry-point lookup is the part under test.
    write(tmp_path / "thirdparty_checks.py", EXTRA.format(id="vendor.thing"))
    monkeypatch.syspath_prepend(str(tmp_path))
    point = importlib.metadata.EntryPoint(
        name="vendor", value="thirdparty_checks", group="scanner.checks"
    )
    monkeypatch.setattr(
        importlib.metadata,
        "entry_points",
        lambda group: [point] if group == "scanner.checks" else [],
    )
    registry = discover()
    assert registry.checks["vendor.thing"].origin.startswith("entry point vendor")
