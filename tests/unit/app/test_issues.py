"""Issue services: list, show, diff (with its HTML page), waive, false positive."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from scanner.app.decisions import mark_false_positive, waive_issue
from scanner.app.issues import diff_runs, find_issues, get_issue, show_issue
from scanner.core.errors import UserError
from scanner.store import Store
from tests.unit.app.stored import HSTS, REDIS, two_runs


def test_find_and_show(db_url: str) -> None:
    store = Store.open(db_url)
    two_runs(store)
    assert {r.check_id: r.state for r in find_issues(store)} == {REDIS: "open", HSTS: "fixed"}
    [fixed] = find_issues(store, states=["fixed"])
    assert find_issues(store, entity="nobody") == [] and find_issues(store, overdue=True) == []
    detail = show_issue(store, fixed.id)
    assert detail.issue.check_id == HSTS
    assert [e.to_state for e in detail.events] == ["open", "fixed"]
    with pytest.raises(UserError):
        get_issue(store, 999)


def test_diff_with_html_page(db_url: str, tmp_path: Path) -> None:
    store = Store.open(db_url)
    first, second = two_runs(store)
    page = tmp_path / "diff.html"
    result = diff_runs(store, first, second, html=page)
    assert result.counts["fixed"] == 1 and result.counts["still_open"] == 1
    assert [i.check_id for i in result.groups["fixed"]] == [HSTS]
    assert result.data()["a"] == first and b"<html" in page.read_bytes().lower()
    with pytest.raises(UserError, match="cannot write"):
        diff_runs(store, first, second, html=tmp_path / "no" / "such" / "dir.html")


def test_waive_and_false_positive(db_url: str) -> None:
    store = Store.open(db_url)
    two_runs(store)
    [redis] = find_issues(store, states=["open"])
    waive_issue(
        store, redis.id, reason="compensating control", approver="chief", until=date(2030, 1, 31)
    )
    waived = get_issue(store, redis.id)
    assert waived.state == "accepted" and waived.waiver_approver == "chief"
    mark_false_positive(store, redis.id, reason="not redis", actor="inspector")
    assert get_issue(store, redis.id).state == "false_positive"
