"""Every service check against every hostile TCP peer: each ends by its deadline, honestly.

For each check in the registry that applies to discovered services, and each service name it
applies to, the check runs (through the engine's own ``run_job``, as in a scan) against each mode
of :mod:`tests.hostile`: a peer that stays silent, sends random bytes, streams endlessly, drips a
byte a second, sends terminal escapes and NULs, or closes at once. Whatever the peer does:

- the attempt ends within its timeout plus a small grace (the engine abandons later than that);
- its status is pass, fail, not_applicable or error, and an error is never ``check_bug``: a
  check that raises on garbage is a defect, not an inconclusive result;
- no finding's evidence (nor the attempt's reason) carries a control character.

All runs go concurrently on a thread pool (each check's deadline bounds it), once per module,
and each (check, service, mode) is then asserted as its own test. Intrusive checks run too: the
engine's opt-in is a planning decision, not something run_job skips.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from scanner.core.models import Attempt, AttemptStatus, ErrorReason
from scanner.engine.registry import LoadedCheck, discover
from tests.helpers import run_check, service_target
from tests.hostile import MODES, hostile_server

TIMEOUT = 3.0
GRACE = 3.0
#: Services only ever found on UDP. Their checks talk to a UDP peer (ctx.udp_exchange); the
#: hostile peer is TCP-only, so there is nothing to point them at: skipped, with this reason.
UDP_ONLY = frozenset({"snmp", "snmptrap", "ntp", "tftp", "syslog", "ipmi", "bacnet", "ssdp"})
#: What Finding evidence must never contain: C0/C1 controls (tab and newline are allowed, as in
#: scanner.core.text.clean), DEL, and bidi overrides.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

REGISTRY = discover(entry_points=False)
SERVICE_CHECKS: list[LoadedCheck] = sorted(
    (c for c in REGISTRY.checks.values() if c.meta.services), key=lambda c: c.id
)
CASES = [(check.id, name) for check in SERVICE_CHECKS for name in check.meta.services]


@dataclass(frozen=True)
class Outcome:
    attempt: Attempt
    wall: float


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[tuple[str, str, str], Outcome]]:
    """Every (check id, service name, mode) run once, all concurrently."""
    results: dict[tuple[str, str, str], Outcome] = {}
    with contextlib.ExitStack() as stack:
        ports = {mode: stack.enter_context(hostile_server(mode))[1] for mode in MODES}
        jobs = [
            (check_id, name, mode)
            for check_id, name in CASES
            if name not in UDP_ONLY
            for mode in MODES
        ]

        def one(job: tuple[str, str, str]) -> Outcome:
            check_id, name, mode = job
            start = time.monotonic()
            attempt = run_check(
                REGISTRY.checks[check_id].cls,
                service_target("127.0.0.1", ports[mode], name),
                timeout=TIMEOUT,
            )
            return Outcome(attempt, time.monotonic() - start)

        with ThreadPoolExecutor(max_workers=32, thread_name_prefix="hostile") as pool:
            for job, outcome in zip(jobs, pool.map(one, jobs), strict=True):
                results[job] = outcome
        yield results


def test_the_registry_has_service_checks() -> None:
    assert REGISTRY.problems == []
    assert {"net.redis-no-auth", "net.database-exposed", "net.remote-admin-exposed"} <= {
        c.id for c in SERVICE_CHECKS
    }


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("check_id", "service"), CASES)
def test_check_survives_hostile_peer(
    outcomes: dict[tuple[str, str, str], Outcome], check_id: str, service: str, mode: str
) -> None:
    if service in UDP_ONLY:
        pytest.skip(f"{service} is a UDP service; the hostile peer speaks TCP only")
    outcome = outcomes[(check_id, service, mode)]
    attempt = outcome.attempt
    assert outcome.wall <= TIMEOUT + GRACE, f"took {outcome.wall:.1f} s"
    assert attempt.status in (
        AttemptStatus.PASS,
        AttemptStatus.FAIL,
        AttemptStatus.ERROR,
        AttemptStatus.NOT_APPLICABLE,
    )
    assert attempt.error_reason != ErrorReason.CHECK_BUG, (
        f"{check_id} crashed on a {mode} peer: {attempt.reason}\n{attempt.traceback}"
    )
    assert not UNSAFE.search(attempt.reason), attempt.reason
    for finding in attempt.findings:
        assert not UNSAFE.search(finding.evidence), finding.evidence
