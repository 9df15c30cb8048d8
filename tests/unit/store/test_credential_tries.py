"""The credential checks' login counts (migration 0015): stored with their attempt, once
(idempotent by attempt key like the attempt), read back per run and entity, and what a resumed
run's ledger starts from."""

from __future__ import annotations

from scanner.core.models import Attempt, AttemptStatus, CredentialTries
from scanner.engine.credentials import CredentialLedger, CredentialPolicy
from scanner.store import Store

TRIES = (
    CredentialTries("192.0.2.7", 22, "ssh", "root", 3),
    CredentialTries("192.0.2.7", 22, "ssh", "pi", 1),
)


def _attempt(entity: str, asset: str) -> Attempt:
    return Attempt(
        "cred.ssh-weak-password", entity, asset, "22/tcp", AttemptStatus.PASS,
        credential_tries=TRIES,
    )  # fmt: skip


def test_stored_once_with_their_attempt_and_read_per_entity(db_url: str) -> None:
    store = Store.open(db_url)
    run_id = store.runs.create("c", "remote", "inv.yaml", "0" * 64, "test")
    store.attempts.record(run_id, [_attempt("ent", "gw"), _attempt("other", "gw")])
    store.attempts.record(run_id, [_attempt("ent", "gw")])  # a retried job: stored once
    rows = store.attempts.credential_tries(run_id, "ent")
    assert [(r.check_id, r.entity_id, r.asset_id, r.tries) for r in rows] == [
        ("cred.ssh-weak-password", "ent", "gw", t) for t in TRIES
    ]
    assert len(store.attempts.credential_tries(run_id)) == 4
    # a resumed run's ledger counts them: root has had its 3 logins on this host
    ledger = CredentialLedger(CredentialPolicy(pause=0))
    ledger.seed(tuple(r.tries for r in rows))
    assert not ledger.take("k", "192.0.2.7", 21, "ftp", "root", 1e12)
    assert ledger.take("k", "192.0.2.7", 21, "ftp", "pi", 1e12)
