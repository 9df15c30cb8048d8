"""A real SQLite store with runs and issues in it, for the application services' tests."""

from __future__ import annotations

import time

from scanner.core.models import Attempt, AttemptStatus, Finding, Severity
from scanner.store import Store
from scanner.tracking.issues import reconcile
from tests.unit.inventory.test_schema import MINIMAL

INVENTORY = MINIMAL.replace(
    "        host: 127.0.10.1", "        host: 127.0.10.1\n        exposure: internet"
)
REDIS = "net.redis-no-auth"
HSTS = "web.hsts-missing"


def fail(check: str, location: str, severity: Severity) -> Attempt:
    finding = Finding(check, "ent", "web", location, severity, f"{check} evidence")
    return Attempt(check, "ent", "web", location, AttemptStatus.FAIL, findings=(finding,))


def passed(check: str, location: str) -> Attempt:
    return Attempt(check, "ent", "web", location, AttemptStatus.PASS)


def stored_run(store: Store, *attempts: Attempt) -> int:
    """A completed, reconciled run of ``attempts``."""
    run_id = store.runs.create(
        "test", "remote", "inv.yaml", "0" * 64, "t", inventory_text=INVENTORY
    )
    store.attempts.record(run_id, attempts)
    store.runs.finish(run_id, "completed")
    reconcile(store, run_id, now=time.time())
    return run_id


def two_runs(store: Store) -> tuple[int, int]:
    """Run 1 finds redis and HSTS; run 2 sees HSTS fixed and redis still there."""
    first = stored_run(
        store,
        fail(REDIS, "6379/tcp", Severity.CRITICAL),
        fail(HSTS, "https://127.0.10.1/", Severity.MEDIUM),
    )
    second = stored_run(
        store, fail(REDIS, "6379/tcp", Severity.CRITICAL), passed(HSTS, "https://127.0.10.1/")
    )
    return first, second
