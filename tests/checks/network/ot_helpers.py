"""Running an industrial-protocol check the way the engine does, keeping what it sent."""

from __future__ import annotations

from pathlib import Path

from scanner.core.models import Attempt, Exposure, Target
from scanner.engine.check import Check
from scanner.engine.context import RunServices
from scanner.transport.ratelimit import TokenBucket
from tests.helpers import LOOPBACK_ONLY, run_check
from tests.lab import lab


def run_ot(cls: type[Check], target: Target, timeout: float = 20.0) -> tuple[Attempt, list[str]]:
    """The attempt, and every request kind the check sent (as its protocol client named them).

    The run has the engine's ot limit (2 connections a second, burst 1), as for an ot asset.
    """
    services = RunServices(
        guard=LOOPBACK_ONLY,
        bucket=TokenBucket(1000),
        ot_bucket=TokenBucket(2, burst=1),
        ot_hosts=(lab.OT_PLANT_ADDR, lab.OT_PLANT2_ADDR),
    )
    attempt = run_check(cls, target, timeout=timeout, services=services)
    return attempt, [kind for _check, _address, kind in services.sent_requests]


def assert_declared_only(cls: type[Check], sent: list[str]) -> None:
    """Everything sent was declared, and every declared request was needed."""
    assert sent, "the check sent nothing"
    assert set(sent) <= set(cls.requests), set(sent) - set(cls.requests)


def assert_nothing_unsafe_served(state_dir: Path, daemon: str) -> None:
    """The server's own log shows only read-only requests, ever."""
    assert lab.served_requests(state_dir, daemon), f"{daemon} logged no request at all"
    assert lab.unsafe_served(state_dir, daemon) == []


OT = Exposure.OT
