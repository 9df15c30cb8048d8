"""MLPS coverage: clause names, which checks cite a clause or item, the coverage table, and the
``scanner checks --clause`` and ``scanner coverage`` commands."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scanner.app.mlps import ITEMS_814, cites, clause_key, coverage, coverage_markdown
from scanner.cli.main import main
from scanner.engine.registry import discover


def test_clause_names() -> None:
    assert clause_key("8.1.4.1") == "8.1.4.1"
    assert clause_key("8.1.4.1 b)") == clause_key("MLPS-8.1.4.1b") == "8.1.4.1b"
    with pytest.raises(ValueError, match="not an MLPS clause"):
        clause_key("8.1.4.1 z)")


def test_a_clause_takes_its_items_an_item_only_itself() -> None:
    checks = {c.id: c for c in discover(entry_points=False).sorted()}
    lockout = checks["host.login-lockout-missing"]  # cites MLPS-8.1.4.1b
    assert cites(lockout, "8.1.4.1") and cites(lockout, "8.1.4.1b")
    assert not cites(lockout, "8.1.4.1a") and not cites(lockout, "8.1.4.11")
    assert not cites(checks["host.kernel-sysctl-weak"], "8.1.4")  # its clause is unsettled


def test_every_level3_item_has_a_row_and_the_gaps_are_named() -> None:
    rows = {r.item: r for r in coverage(discover(entry_points=False).sorted())}
    assert list(rows) == [item for item, _, _ in ITEMS_814] and len(rows) == 34
    assert rows["8.1.4.1b"].status == "checks"
    assert "host.login-lockout-missing" in rows["8.1.4.1b"].checks
    assert rows["8.1.4.3d"].checks == ("host.audit-not-immutable",)
    assert rows["8.1.4.9a"].status == "checklist/interview"  # a management question asks it
    assert rows["8.1.4.6a"].status == "not covered"
    text = coverage_markdown(discover(entry_points=False).sorted())
    assert "| 8.1.4.6 a) |" in text and "not covered" in text


def test_checks_command_filters_by_clause() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["checks", "--clause", "8.1.4.3", "--json"])
    assert result.exit_code == 0, result.output
    ids = {c["id"] for c in json.loads(result.output)}
    assert {"host.auditd-not-running", "host.audit-not-immutable", "mgmt.log-retention"} <= ids
    assert all(
        any(r.startswith("MLPS-8.1.4.3") for r in c["references"])
        for c in json.loads(result.output)
    )
    one = runner.invoke(main, ["checks", "--clause", "8.1.4.3d", "--json"])
    assert [c["id"] for c in json.loads(one.output)] == ["host.audit-not-immutable"]
    bad = runner.invoke(main, ["checks", "--clause", "audit"])
    assert bad.exit_code == 2 and "not an MLPS clause" in bad.output


def test_coverage_command() -> None:
    result = CliRunner().invoke(main, ["coverage", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 34 and {r["status"] for r in rows} <= {
        "checks",
        "checks (whole clause)",
        "checklist/interview",
        "not covered",
    }
