"""checks/protocols is a library, not checks: the registry loads no check and reports no problem
from it, every module says what it is for, and none imports paramiko or the engine."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import checks.protocols
from scanner.engine.registry import discover


def modules() -> list[str]:
    folder = Path(checks.protocols.__file__).parent
    return [f"checks.protocols.{m.name}" for m in pkgutil.iter_modules([str(folder)])]


def test_the_registry_finds_no_check_and_no_problem_in_protocols() -> None:
    registry = discover(entry_points=False)
    assert not any(c.module.startswith("checks.protocols") for c in registry.checks.values())
    assert not [p for p in registry.problems if "protocols" in p]


def test_every_protocol_module_has_a_docstring() -> None:
    for name in modules():
        doc = importlib.import_module(name).__doc__ or ""
        assert len(doc) > 60, f"{name}: say what the module is for"


def test_no_protocol_module_uses_a_library_client() -> None:
    for name in modules():
        source = Path(importlib.import_module(name).__file__ or "").read_text()
        assert "paramiko" not in source.replace("paramiko refuses", ""), name
