"""OT-safe treatment of ot assets: gentle discovery, one check at a time, no intrusive checks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from scanner.api import AppliesTo, Check, CheckContext, Finding, Severity, Target
from scanner.core.models import Attempt, Exposure
from scanner.discovery.nmap import nmap_arguments
from scanner.engine.compiled import CompiledRun, Discovered
from scanner.engine.context import RunServices
from scanner.engine.executor import Executor, Limits
from scanner.engine.plan import Job, build_plan
from scanner.inventory.schema import ICS_TCP_PORTS, Profile, load_inventory
from scanner.transport.ratelimit import TokenBucket
from tests.helpers import LOOPBACK_ONLY, loaded, service_target, write
from tests.unit.inventory.test_schema import MINIMAL


class Intrusive(Check):
    id = "test.intrusive"
    title = "An intrusive test check"
    family = "test"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("thing",))
    intrusive = True
    remediation = "Nothing to remediate in a test."

    def run(self, target: Target, ctx: CheckContext) -> Iterator[Finding]:
        yield from ()


class Slow(Intrusive):
    id = "test.slow"
    intrusive = False
    running = 0
    peak = 0

    def run(self, target: Target, ctx: CheckContext) -> Iterator[Finding]:
        Slow.running += 1
        Slow.peak = max(Slow.peak, Slow.running)
        time.sleep(0.05)
        Slow.running -= 1
        yield from ()


def test_ot_discovery_is_gentle() -> None:
    args = nmap_arguments(
        Profile.model_validate({"ports": "all"}),
        privileged=True,
        timeout=60,
        sweep=False,
        ot_rate=50,
    )
    assert args[args.index("--max-rate") + 1] == "50"
    assert args[args.index("--max-parallelism") + 1] == "1"
    assert args[args.index("--max-retries") + 1] == "0"
    assert args[args.index("-p") + 1] == ICS_TCP_PORTS  # not all 65,535 ports
    assert "-sV" not in args and "-sC" not in args  # no version or script probes at a PLC
    normal = nmap_arguments(
        Profile.model_validate({"ports": "all"}), privileged=True, timeout=60, sweep=False
    )
    assert normal[normal.index("-p") + 1] == "1-65535" and "--max-rate" not in normal


def test_ot_host_gets_one_check_at_a_time() -> None:
    jobs = [
        Job(loaded(Slow), service_target("127.0.0.1", p, "thing", exposure=Exposure.OT))
        for p in range(8)
    ]
    got: list[Attempt] = []
    services = RunServices(guard=LOOPBACK_ONLY, bucket=TokenBucket(1000))
    Executor(services, Limits(workers=8, per_host=4, check_timeout=5)).execute(jobs, got.extend)
    assert len(got) == 8 and Slow.peak == 1


def test_intrusive_checks_never_run_on_ot_assets(tmp_path: Path) -> None:
    host = "        host: 127.0.10.1"
    text = MINIMAL.replace(host, f"{host}\n        tags: [ot]")
    text += "checks:\n  intrusive: [test.intrusive]\n"
    inv = load_inventory(write(tmp_path / "inv.yaml", text))
    addresses = {("ent", "web"): ("127.0.10.1",)}
    compiled = CompiledRun(
        inv,
        "remote",
        inv.model.profiles["remote"],
        (loaded(Intrusive),),
        addresses,
        LOOPBACK_ONLY,
        Limits(),
    )
    plan = build_plan(compiled, Discovered({}, addresses))
    assert plan.jobs == []
    [attempt] = plan.decided
    assert attempt.status.value == "skipped" and "ot assets" in attempt.reason
