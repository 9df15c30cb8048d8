"""resolve_run and run_results on a real store."""

from __future__ import annotations

import pytest

from scanner.app.results import resolve_run, run_results
from scanner.core.errors import UserError
from scanner.core.models import Attempt, AttemptStatus, ErrorReason
from scanner.store import Store
from tests.unit.app.stored import REDIS, two_runs


def test_latest_run_and_unknown_run(db_url: str) -> None:
    store = Store.open(db_url)
    with pytest.raises(UserError, match="no runs yet"):
        resolve_run(store, None)
    _, second = two_runs(store)
    assert resolve_run(store, None) == second and resolve_run(store, 1) == 1
    with pytest.raises(UserError, match="there is no run 99"):
        resolve_run(store, 99)


def test_findings_and_error_attempts(db_url: str) -> None:
    store = Store.open(db_url)
    first, _ = two_runs(store)
    store.attempts.record(
        first,
        [
            Attempt(
                "net.ftp-anonymous",
                "ent",
                "web",
                "21/tcp",
                AttemptStatus.ERROR,
                reason="refused",
                error_reason=ErrorReason.CONNECTIVITY,
            )
        ],
    )
    results = run_results(store, first)
    assert results.findings[0].check_id == REDIS  # worst first
    assert [(a.check_id, a.reason) for a in results.errors] == [("net.ftp-anonymous", "refused")]
