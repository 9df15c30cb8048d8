"""A host above rate_limits.max_services_per_host is recorded once, not inspected port by port
(issue 13, item 10)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from scanner.app.runs import TARPIT_CHECK, _cap_services
from scanner.core.models import AttemptStatus, HostScan, Service


def _run(cap: int) -> Any:
    limits = SimpleNamespace(max_services_per_host=cap)
    return SimpleNamespace(inv=SimpleNamespace(model=SimpleNamespace(rate_limits=limits)))


def _host(address: str, ports: int) -> HostScan:
    services = tuple(Service(address, p, "tcp", "unknown", "") for p in range(1, ports + 1))
    return HostScan(address=address, answered=True, services=services)


def test_a_tarpit_loses_its_services_and_gets_one_attempt() -> None:
    scans = {"127.0.0.9": _host("127.0.0.9", 300), "127.0.0.8": _host("127.0.0.8", 3)}
    addresses = {("e", "tarpit"): ("127.0.0.9",), ("e", "lab"): ("127.0.0.8",)}
    kept, attempts = _cap_services(_run(50), scans, addresses)
    assert kept["127.0.0.9"].services == () and kept["127.0.0.9"].answered
    assert len(kept["127.0.0.8"].services) == 3
    [attempt] = attempts
    assert (attempt.check_id, attempt.asset_id) == (TARPIT_CHECK, "tarpit")
    assert attempt.status == AttemptStatus.SKIPPED
    assert "answers on every port: 300 open ports" in attempt.reason


def test_hosts_below_the_cap_are_untouched() -> None:
    scans = {"127.0.0.8": _host("127.0.0.8", 50)}
    kept, attempts = _cap_services(_run(50), scans, {("e", "lab"): ("127.0.0.8",)})
    assert kept == scans and attempts == []
