"""A run's stored results: which run a command means, its findings and its error attempts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner.core.errors import UserError
from scanner.core.models import AttemptStatus
from scanner.store import Store


@dataclass(frozen=True)
class RunResults:
    """What a run stored, worst finding first.

    Attributes:
        run_id: the run.
        findings: its findings (store rows).
        errors: its attempts that ended in error, with their reasons (store rows).
    """

    run_id: int
    findings: list[dict[str, Any]]
    errors: list[dict[str, Any]]


def resolve_run(store: Store, run_id: int | None) -> int:
    """``run_id`` (the latest run when None), checked to exist; a UserError otherwise."""
    run_id = run_id if run_id is not None else store.latest_run_id()
    if run_id is None:
        raise UserError("the store has no runs yet. Fix: `scanner run INVENTORY` first.")
    store.run(run_id)
    return run_id


def run_results(store: Store, run_id: int) -> RunResults:
    """The findings and error attempts of run ``run_id``."""
    errors = [a for a in store.attempts(run_id) if a["status"] == AttemptStatus.ERROR.value]
    return RunResults(run_id, store.findings(run_id), errors)
