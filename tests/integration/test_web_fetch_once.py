"""One fetch serves many checks: the whole web profile requests each distinct URL once."""

from __future__ import annotations

import pytest

from scanner.core.models import Attempt, AttemptStatus
from scanner.engine.context import RunServices
from scanner.engine.executor import Executor, Limits
from scanner.engine.plan import Job
from scanner.engine.registry import discover
from scanner.transport.ratelimit import TokenBucket
from tests.helpers import LOOPBACK_ONLY, url_target
from tests.lab import lab

pytestmark = pytest.mark.lab


def test_each_url_fetched_once_per_run(lab_state: lab.LabState) -> None:
    web = [c for c in discover(entry_points=False).sorted() if c.meta.family == "web"]
    endpoints = [
        (f"http://{lab.WEAK_ADDR}/", lab.WEAK_ADDR),
        (f"https://{lab.WEAK_ADDR}/", lab.WEAK_ADDR),
        (f"https://{lab.HARDENED_ADDR}/", lab.HARDENED_ADDR),
    ]
    jobs = [Job(c, url_target(url, addr)) for url, addr in endpoints for c in web]
    services = RunServices(guard=LOOPBACK_ONLY, bucket=TokenBucket(1000))
    got: list[Attempt] = []
    Executor(services, Limits(workers=16, per_host=4, check_timeout=15)).execute(jobs, got.extend)
    assert not [a for a in got if a.status == AttemptStatus.ERROR]
    sent = services.http_sent()
    repeated = {
        host: {k: n for k, n in c.items() if n > 1 and k[0] == "GET"} for host, c in sent.items()
    }
    assert all(not r for r in repeated.values()), repeated
    assert len(web) >= 14 and sum(sum(c.values()) for c in sent.values()) < len(jobs) * 4
