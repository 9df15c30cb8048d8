"""Helpers for tests: run one check on one target through the real engine code path."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

from scanner.core.models import (
    AssetKind,
    Attempt,
    Exposure,
    Service,
    ServiceTarget,
    Target,
    UrlTarget,
)
from scanner.engine.check import Check
from scanner.engine.context import RunServices
from scanner.engine.executor import run_job
from scanner.engine.plan import Job
from scanner.engine.registry import LoadedCheck
from scanner.scope.guard import ScopeGuard
from scanner.transport.ratelimit import TokenBucket

LOOPBACK_ONLY = ScopeGuard(["127.0.0.0/8"])


def loaded(cls: type[Check]) -> LoadedCheck:
    """A LoadedCheck for ``cls`` with its validated metadata."""
    module = sys.modules[cls.__module__]
    return LoadedCheck(
        cls=cls, meta=cls.meta(inspect.getdoc(module) or ""), origin="test", module=cls.__module__
    )


def service_target(
    address: str,
    port: int,
    name: str,
    *,
    protocol: str = "tcp",
    exposure: Exposure = Exposure.INTERNET,
) -> ServiceTarget:
    """A target for a check that applies to a discovered service."""
    return ServiceTarget(
        entity_id="e",
        asset_id="a",
        kind=AssetKind.HOST,
        address=address,
        exposure=exposure,
        service=Service(address, port, protocol, name),
    )


def url_target(url: str, address: str) -> UrlTarget:
    """A target for a check that applies to URL assets."""
    return UrlTarget(
        entity_id="e",
        asset_id="a",
        kind=AssetKind.URL,
        address=address,
        url=url,
        exposure=Exposure.INTERNET,
    )


def web_service_target(address: str, port: int, name: str) -> UrlTarget:
    """A target for a URL check on a web service discovery found (``https`` on 443...): the
    plan makes its URL from the port, and its location is the port's."""
    scheme = "https" if "https" in name else "http"
    return UrlTarget(
        entity_id="e",
        asset_id="a",
        kind=AssetKind.HOST,
        address=address,
        url=f"{scheme}://{address}:{port}/",
        exposure=Exposure.INTERNET,
        service=Service(address, port, "tcp", name),
    )


def run_check(
    cls: type[Check], target: Target, *, timeout: float = 10.0, services: RunServices | None = None
) -> Attempt:
    """Run ``cls`` on ``target`` exactly as the engine does, and return the attempt."""
    services = services or RunServices(guard=LOOPBACK_ONLY, bucket=TokenBucket(1000))
    return run_job(Job(loaded(cls), target), services, timeout)


def write(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` and return the path."""
    path.write_text(text, encoding="utf-8")
    return path
