"""A run's stored results: which run a command means, its findings and its error attempts."""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.core.errors import UserError
from scanner.core.models import AttemptStatus, Privilege
from scanner.store import Store
from scanner.store.attempts import AttemptRow, FindingRow, TriesRow


@dataclass(frozen=True)
class RunResults:
    """What a run stored, worst finding first.

    Attributes:
        run_id: the run.
        findings: its findings (store rows).
        errors: its attempts that ended in error, with their reasons (store rows).
        credential_tries: the logins its credential checks sent, per attempt and account.
    """

    run_id: int
    findings: list[FindingRow]
    errors: list[AttemptRow]
    credential_tries: list[TriesRow] = field(default_factory=list)

    @property
    def credential_logins(self) -> int:
        """How many logins the run's credential checks sent in all."""
        return sum(r.tries.tries for r in self.credential_tries)

    @property
    def unverified_privilege(self) -> int:
        """Error attempts whose root-only reads did not run as root (privilege none or
        refused): on-site checks not verified for lack of privilege."""
        lacking = {p.value for p in Privilege if p.lacking}
        return sum(a.privilege in lacking for a in self.errors)


def resolve_run(store: Store, run_id: int | None) -> int:
    """``run_id`` (the latest run when None), checked to exist; a UserError otherwise."""
    run_id = run_id if run_id is not None else store.runs.latest_id()
    if run_id is None:
        raise UserError("the store has no runs yet. Fix: `scanner run INVENTORY` first.")
    store.runs.get(run_id)
    return run_id


def run_results(store: Store, run_id: int) -> RunResults:
    """The findings and error attempts of run ``run_id``."""
    errors = [a for a in store.attempts.of_run(run_id) if a.status == AttemptStatus.ERROR]
    return RunResults(
        run_id,
        store.attempts.findings(run_id),
        errors,
        store.attempts.credential_tries(run_id),
    )
