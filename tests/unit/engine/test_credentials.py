"""The run's credential ledger and policy: budgets per account and account store, the pause,
the tally per attempt, opting in through ``checks.credentials``, and never an ot asset."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Finding,
    Inconclusive,
    ServiceTarget,
    Severity,
)
from scanner.core.models import CredentialTries, Exposure, HostScan, Service
from scanner.engine.compiled import CompiledRun, Discovered
from scanner.engine.context import RunServices
from scanner.engine.credentials import CredentialLedger, CredentialPolicy, account_store
from scanner.engine.executor import Limits
from scanner.engine.jobs import credential_policy
from scanner.engine.plan import build_plan
from scanner.inventory.schema import load_inventory
from scanner.transport.ratelimit import TokenBucket
from tests.helpers import LOOPBACK_ONLY, loaded, run_check, service_target, write
from tests.unit.inventory.test_schema import MINIMAL

FAR = time.monotonic() + 86400  # a day: the module is imported long before its tests run


def test_each_account_gets_max_attempts_per_host_and_account_store() -> None:
    ledger = CredentialLedger(CredentialPolicy(max_attempts=3, pause=0))
    took = [ledger.take("a", "192.0.2.1", 22, "ssh", "root", FAR) for _ in range(4)]
    assert took == [True, True, True, False]
    # FTP logs in as the same host accounts: root's budget is spent there too
    assert not ledger.take("b", "192.0.2.1", 21, "ftp", "root", FAR)
    assert ledger.take("b", "192.0.2.1", 21, "ftp", "admin", FAR)
    # a database keeps its own accounts; another host has its own budget
    assert ledger.take("c", "192.0.2.1", 5432, "postgresql", "root", FAR)
    assert ledger.take("d", "192.0.2.2", 22, "ssh", "root", FAR)
    assert ledger.used("192.0.2.1", 23, "telnet", "root") == 3
    assert account_store("telnet", 23) == "system" and account_store("mqtt", 1883) == "mqtt/1883"
    assert ledger.tries("a") == (CredentialTries("192.0.2.1", 22, "ssh", "root", 3),)
    assert ledger.tries("b") == (CredentialTries("192.0.2.1", 21, "ftp", "admin", 1),)


def test_logins_to_one_service_are_paced_and_a_pause_past_the_deadline_counts_nothing() -> None:
    ledger = CredentialLedger(CredentialPolicy(max_attempts=10, pause=0.2))
    start = time.monotonic()
    for _ in range(3):
        assert ledger.take("a", "192.0.2.1", 22, "ssh", "root", FAR)
    assert time.monotonic() - start >= 0.39  # two pauses between three logins
    with pytest.raises(TimeoutError):
        ledger.take("a", "192.0.2.1", 22, "ssh", "admin", time.monotonic() + 0.05)
    assert ledger.used("192.0.2.1", 22, "ssh", "admin") == 0


def test_a_secret_account_is_budgeted_apart_and_recorded_under_its_shown_name() -> None:
    ledger = CredentialLedger(CredentialPolicy(max_attempts=1, pause=0))
    for index in range(3):
        assert ledger.take("a", "192.0.2.1", 161, "snmp", f"#{index}", FAR, shown="community")
    assert ledger.tries("a") == (CredentialTries("192.0.2.1", 161, "snmp", "community", 3),)


def test_seeded_logins_count_against_the_budget() -> None:
    ledger = CredentialLedger(CredentialPolicy(max_attempts=3, pause=0))
    ledger.seed((CredentialTries("192.0.2.1", 22, "ssh", "root", 3),))
    assert not ledger.take("a", "192.0.2.1", 21, "ftp", "root", FAR)


class Guessing(Check):
    id = "test.guessing"
    title = "A credential test check"
    family = "test"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("thing",))
    intrusive = True
    credentials = True
    remediation = "Nothing to remediate in a test."

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        while ctx.credential_try(target.address, target.service.port, "thing", "root"):
            pass
        yield from ()


def test_a_credential_check_must_be_intrusive() -> None:
    class NotIntrusive(Guessing):
        intrusive = False

    with pytest.raises(ValueError, match="must be intrusive"):
        NotIntrusive.meta("A test check that guesses without saying it is intrusive.")


def test_the_attempt_carries_the_logins_it_sent() -> None:
    services = RunServices(
        guard=LOOPBACK_ONLY,
        bucket=TokenBucket(1000),
        credential_tests=CredentialPolicy(max_attempts=2, pause=0),
    )
    attempt = run_check(Guessing, service_target("127.0.0.1", 9, "thing"), services=services)
    assert attempt.status.value == "pass", attempt.reason
    assert attempt.credential_tries == (CredentialTries("127.0.0.1", 9, "thing", "root", 2),)


def test_never_against_an_address_of_an_ot_asset() -> None:
    services = RunServices(
        guard=LOOPBACK_ONLY, bucket=TokenBucket(1000), ot_hosts=("127.0.0.0/30",)
    )
    # the plan would skip it on the ot asset; the same address under another asset is refused
    attempt = run_check(Guessing, service_target("127.0.0.1", 9, "thing"), services=services)
    assert attempt.status.value == "error" and "ot asset" in attempt.reason
    assert attempt.credential_tries == ()
    ot = service_target("127.0.0.5", 9, "thing", exposure=Exposure.OT)
    attempt = run_check(
        Guessing, ot, services=RunServices(guard=LOOPBACK_ONLY, bucket=TokenBucket(1000))
    )
    assert attempt.status.value == "error" and attempt.credential_tries == ()
    with pytest.raises(Inconclusive):
        CheckContext(services, "test.guessing", FAR).credential_try("127.0.0.2", 9, "x", "root")


def _plan(tmp_path: Path, text: str) -> list[tuple[str, str]]:
    inv = load_inventory(write(tmp_path / "inv.yaml", text))
    addresses = {("ent", "web"): ("127.0.10.1",)}
    compiled = CompiledRun(
        inv, "remote", inv.model.profiles["remote"], (loaded(Guessing),), addresses,
        LOOPBACK_ONLY, Limits(),
    )  # fmt: skip
    scan = HostScan("127.0.10.1", True, (Service("127.0.10.1", 9, "tcp", "thing"),))
    plan = build_plan(compiled, Discovered({"127.0.10.1": scan}, addresses))
    return [("job", j.check.id) for j in plan.jobs] + [
        (a.status.value, a.reason) for a in plan.decided
    ]


def test_the_credential_policy_opts_in_and_ot_assets_stay_out(tmp_path: Path) -> None:
    [(status, reason)] = _plan(tmp_path, MINIMAL)
    assert status == "skipped" and "checks.credentials.enabled" in reason
    enabled = MINIMAL + "checks:\n  credentials:\n    enabled: true\n"
    assert _plan(tmp_path, enabled) == [("job", "test.guessing")]
    host = "        host: 127.0.10.1"
    ot = enabled.replace(host, f"{host}\n        exposure: ot")
    [(status, reason)] = _plan(tmp_path, ot)
    assert status == "skipped" and "ot assets" in reason


def test_policy_from_the_inventory_with_its_lists(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "# list\nroot:Winter2026!\n:Summer2026!\nroot:Winter2026!\n")
    text = MINIMAL + (
        "checks:\n  credentials:\n    max_attempts: 2\n    pause: 0.5\n    per_connection: 2\n"
        "    builtin: false\n    lists: [a.txt]\n"
    )
    policy = credential_policy(load_inventory(write(tmp_path / "inv.yaml", text)))
    assert policy == CredentialPolicy(
        enabled=False,
        max_attempts=2,
        pause=0.5,
        per_connection=2,
        builtin=False,
        entries=(("root", "Winter2026!"), ("", "Summer2026!")),
    )
