"""A pipelined run: a URL asset's checks start while a slow host is still being discovered,
and the host's own checks start once its discovery ends; the progress total grows with them.

Discovery is a fake here (nmap needs root and real hosts; the lab test
tests/integration/test_run_lab.py runs the real one): it answers after a delay with one web
service on the loopback site the test serves. Identification then probes that real site.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from scanner.app import runs
from scanner.app.compile import compile_run
from scanner.app.runs import start_run
from scanner.core.models import Attempt, AttemptStatus, HostScan, Service
from scanner.discovery.nmap import OnPort
from scanner.engine.compiled import Discovered
from scanner.engine.plan import Job, build_plan
from scanner.inventory.schema import load_inventory
from scanner.store import Store
from tests.helpers import write
from tests.unit.app.site import INVENTORY, Site, serving

SLOW = 1.5  # seconds the fake discovery takes


@pytest.fixture
def site() -> Iterator[Site]:
    with serving() as running:
        yield running


class Seen:
    """An observer that keeps what it was told."""

    def __init__(self) -> None:
        self.first = 0
        self.more: list[int] = []
        self.batches: list[Sequence[Attempt]] = []

    def started(self, run_id: int, jobs: int) -> None:
        self.first = jobs

    def planned(self, jobs: int) -> None:
        self.more.append(jobs)

    def attempts(self, batch: Sequence[Attempt]) -> None:
        self.batches.append(batch)

    def finished(self) -> None:
        pass


def test_url_checks_start_before_a_slow_hosts_discovery_ends(
    tmp_path: Path, site: Site, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serving() as other:  # the box's own web server (the site is a URL asset of its own)
        _pipelined(tmp_path, site, other, db_url, monkeypatch)


def _pipelined(
    tmp_path: Path, site: Site, other: Site, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = INVENTORY.format(port=site.port).replace(
        "profiles:",
        "      - id: box\n        host: 127.0.0.1\nprofiles:",
    )
    inventory = write(tmp_path / "inv.yaml", text)
    ended: list[float] = []

    def slow_discovery(
        hosts: list[str], *_args: object, **_kwargs: object
    ) -> Iterator[tuple[list[str], list[HostScan]]]:
        time.sleep(SLOW)
        ended.append(time.time())
        web = Service("127.0.0.1", other.port, "tcp", "http-alt")
        yield list(hosts), [HostScan("127.0.0.1", True, (web,))]

    monkeypatch.setattr(runs, "discover_batches", slow_discovery)
    store = Store.open(db_url)
    seen = Seen()
    result = start_run(compile_run(load_inventory(inventory), "web"), store, observer=seen)
    assert result.status == "completed"
    attempts = store.attempts.of_run(result.run_id)
    url = [a for a in attempts if a.asset_id == "site"]
    host = [a for a in attempts if a.asset_id == "box"]
    assert len(url) == 2 and len(host) == 2  # both checks on the site and on the box's web port
    assert all(a.location == f"http://127.0.0.1:{site.port}/" for a in url)
    # The URL asset's checks ran (and ended) before the host's discovery did ...
    assert max(a.started_at for a in url) < ended[0]
    # ... and the host's checks started only after it (on the service identification found).
    assert min(a.started_at for a in host) >= ended[0]
    assert seen.first == 2 and seen.more == [2]  # the total grew once the host was planned
    assert sum(len(b) for b in seen.batches) == 4
    assert result.timings is not None
    phases = result.timings.phases
    assert {"discovery", "identification", "checks"} <= set(phases)
    assert phases["checks"].start < phases["discovery"].end  # they overlapped
    # Discovery is stored once it ends, as a resumed run and workers read it.
    assert store.attempts.discovery(result.run_id)["127.0.0.1"].services[0].name == "http"


def test_a_services_checks_start_while_nmap_still_scans_its_host(
    tmp_path: Path, site: Site, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # nmap reports the box's web port early (``on_port``, as ``nmap -v`` prints it), then goes
    # on scanning: that service is named and its own checks run before the host's scan ends;
    # the host's plan at the end does not run them again.
    with serving() as other:
        text = INVENTORY.format(port=site.port).replace(
            "profiles:", "      - id: box\n        host: 127.0.0.1\nprofiles:"
        )
        inventory = write(tmp_path / "inv.yaml", text)
        ended: list[float] = []

        def scanning(
            hosts: list[str], *_args: object, on_port: OnPort, **_kwargs: object
        ) -> Iterator[tuple[list[str], list[HostScan]]]:
            on_port("127.0.0.1", other.port, "tcp")
            time.sleep(SLOW)
            ended.append(time.time())
            web = Service("127.0.0.1", other.port, "tcp", "unknown")
            yield list(hosts), [HostScan("127.0.0.1", True, (web,))]

        monkeypatch.setattr(runs, "discover_batches", scanning)
        store = Store.open(db_url)
        seen = Seen()
        result = start_run(compile_run(load_inventory(inventory), "web"), store, observer=seen)
    assert result.status == "completed"
    attempts = store.attempts.of_run(result.run_id)
    host = [a for a in attempts if a.asset_id == "box"]
    assert len(host) == 2, host  # each check once on the box's web port
    assert all(a.location == f"{other.port}/tcp" for a in host)
    assert max(a.started_at for a in host) < ended[0]  # ran while nmap still scanned
    assert seen.first == 2 and sum(seen.more) == 2  # planned once, early
    assert store.attempts.discovery(result.run_id)["127.0.0.1"].services[0].name == "http"


def test_the_plans_parts_make_the_whole_plan(tmp_path: Path, site: Site) -> None:
    # What starts at once and what waits for discovery are exactly the plan a worker and a
    # resumed run rebuild from the stored discovery: the same attempt keys, none twice.
    text = INVENTORY.format(port=site.port).replace(
        "profiles:", "      - id: box\n        host: 127.0.0.1\nprofiles:"
    )
    run = compile_run(load_inventory(write(tmp_path / "inv.yaml", text)), "web")
    web = Service("127.0.0.1", 8081, "tcp", "http")
    discovered = Discovered({"127.0.0.1": HostScan("127.0.0.1", True, (web,))}, run.addresses)
    whole = build_plan(run, discovered)
    ready = build_plan(run, Discovered({}, run.addresses), stage="ready")
    later = build_plan(run, discovered, stage="discovered", assets={("ent", "box")})
    keys = [j.key for j in ready.jobs + later.jobs] + [a.key for a in ready.decided + later.decided]
    assert sorted(keys) == sorted([j.key for j in whole.jobs] + [a.key for a in whole.decided])
    assert {j.target.asset_id for j in ready.jobs} == {"site"}
    assert {j.target.asset_id for j in later.jobs} == {"box"}


def test_a_distributed_run_dispatches_once_discovery_is_stored(
    tmp_path: Path, site: Site, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Workers plan from the stored discovery, so the coordinator dispatches the whole plan
    # once it is stored (a stand-in dispatch here: it stores a pass per job, as workers would).
    text = INVENTORY.format(port=site.port).replace(
        "profiles:", "      - id: box\n        host: 127.0.0.1\nprofiles:"
    )

    def quick_discovery(
        hosts: list[str], *_args: object, **_kwargs: object
    ) -> Iterator[tuple[list[str], list[HostScan]]]:
        time.sleep(0.2)
        yield list(hosts), [HostScan("127.0.0.1", True, ())]

    monkeypatch.setattr(runs, "discover_batches", quick_discovery)
    store = Store.open(db_url)
    sent: list[tuple[str, ...]] = []

    def dispatch(run_id: int, jobs: Sequence[Job], observe: Callable[..., None]) -> None:
        assert "127.0.0.1" in store.attempts.discovery(run_id)  # stored before dispatch
        sent.append(tuple(sorted(j.target.asset_id for j in jobs)))
        done = [
            Attempt(
                check_id=j.check.id,
                entity_id=j.target.entity_id,
                asset_id=j.target.asset_id,
                location=j.target.location,
                status=AttemptStatus.PASS,
                started_at=time.time(),
            )
            for j in jobs
        ]
        store.attempts.record(run_id, done, [])
        observe(done)

    run = compile_run(load_inventory(write(tmp_path / "inv.yaml", text)), "web")
    result = start_run(run, store, dispatch=dispatch)
    assert result.status == "completed"
    assert sent == [("site", "site")]  # the box has no web service: decided, not dispatched
    assert {a.asset_id for a in store.attempts.of_run(result.run_id)} == {"site", "box"}
