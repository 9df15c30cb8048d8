"""Tests of the credential checks against the lab's credential-test hosts (tests/lab/creds.py)."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from scanner.engine.context import RunServices
from scanner.engine.credentials import CredentialPolicy
from scanner.transport.ratelimit import TokenBucket
from tests.helpers import LOOPBACK_ONLY

WEAK, HARDENED = "127.0.10.20", "127.0.10.21"


def services(**policy: object) -> RunServices:
    """A run's services with credential tests on (short pause: the lab's daemons are local)."""
    settings = {"pause": 0.05, **policy}
    return RunServices(
        guard=LOOPBACK_ONLY,
        bucket=TokenBucket(1000),
        credential_tests=CredentialPolicy(enabled=True, **settings),  # type: ignore[arg-type]
    )


def per_account(tries: object) -> Counter[str]:
    """An attempt's credential tries as account -> logins."""
    return Counter({t.account: t.tries for t in tries})  # type: ignore[attr-defined]


class LogTail:
    """What a daemon's log gains from now on."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.start = path.stat().st_size if path.exists() else 0

    def new(self, settle: float = 0.3) -> str:
        """What was appended since; after ``settle`` seconds (sshd's privileged monitor logs a
        failure while its unprivileged child sends it, so the line may come a moment late)."""
        time.sleep(settle)
        with self.path.open("rb") as handle:
            handle.seek(self.start)
            return handle.read().decode("utf-8", "replace")
