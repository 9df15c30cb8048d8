"""One resolution per name per run: preflight, discovery, every check, a resumed run and every
worker use the addresses the run resolved a name to first, and each check connects to its own
target's address.

The name ``portal.lab.invalid`` is served by a stand-in for the system resolver (no DNS server
can serve it here) that answers with the two addresses of the test's web servers, in a new
order each time it is asked, the way a round-robin or rebinding DNS server would. The servers
are real (http.server on 127.0.21.1 and 127.0.21.2), the discovery is real nmap.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from scanner.app.compile import compile_run
from scanner.app.runs import run_inventory, start_run
from scanner.app.workers import planner
from scanner.inventory.schema import load_inventory
from scanner.scope import guard as scope_guard
from scanner.store import Store
from tests.helpers import write
from tests.unit.inventory.test_schema import MINIMAL

NAME = "portal.lab.invalid"
ADDRESSES = ("127.0.21.1", "127.0.21.2")
PORT = 18080
CHECKS = ("web.nosniff-missing", "web.server-version-disclosure")
INVENTORY = (
    MINIMAL.partition("scope:")[0]
    + f"""\
scope:
  allow: [127.0.21.0/24, {NAME}]
entities:
  - id: ent
    name: Entity
    sector: energy
    assets:
      - id: portal
        host: {NAME}
profiles:
  web:
    checks: [{", ".join(CHECKS)}]
    ports: "{PORT}"
"""
)


@contextmanager
def two_servers() -> Iterator[Counter[str]]:
    """A web server on each address; counts the requests for NAME each address received (the
    identification probes ask for the address)."""
    seen: Counter[str] = Counter()
    servers = []
    for address in ADDRESSES:

        class Page(BaseHTTPRequestHandler):
            where = address

            def do_GET(self) -> None:
                if (self.headers.get("Host") or "").startswith(NAME):
                    seen[self.where] += 1
                body = f"<html><body>{self.where}</body></html>".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer((address, PORT), Page)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    try:
        yield seen
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


@pytest.fixture
def rotating(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """The system resolver replaced: NAME's two addresses, rotated at each lookup."""
    asked: Counter[str] = Counter()

    def resolve(name: str) -> list[str]:
        if name != NAME:
            raise scope_guard.Unresolvable(f"{name} does not resolve (test resolver)")
        asked[name] += 1
        shift = asked[name] % 2
        return list(ADDRESSES[shift:] + ADDRESSES[:shift])

    monkeypatch.setattr(scope_guard, "system_resolver", resolve)
    return asked


@pytest.mark.lab  # real nmap
def test_a_run_resolves_each_name_once_and_checks_each_address(
    tmp_path: Path, db_url: str, rotating: Counter[str]
) -> None:
    inventory = write(tmp_path / "inv.yaml", INVENTORY)
    store = Store.open(db_url)
    with two_servers() as seen:
        result = run_inventory(inventory, "web", store)
    assert result.status == "completed", result.note
    assert rotating[NAME] == 1  # preflight asked; discovery, checks and the store reused it
    kept = store.runs.resolutions(result.run_id)
    assert set(kept) == {NAME} and set(kept[NAME]) == set(ADDRESSES)
    attempts = store.attempts.of_run(result.run_id)
    # one attempt per check and address: each location names its address
    assert {(a.check_id, a.location) for a in attempts} == {
        (c, f"{address}:{PORT}/tcp") for c in CHECKS for address in ADDRESSES
    }
    # each address's service was inspected at that address, not at the name's first one
    assert seen[ADDRESSES[0]] >= 1 and seen[ADDRESSES[1]] >= 1, seen


@pytest.mark.lab
def test_a_resumed_run_keeps_its_first_resolution(
    tmp_path: Path, db_url: str, rotating: Counter[str]
) -> None:
    inventory = write(tmp_path / "inv.yaml", INVENTORY)
    store = Store.open(db_url)
    with two_servers():
        run = compile_run(load_inventory(inventory), "web")
        first = start_run(run, store, stop=lambda: "a test stop")  # interrupted after a batch
        assert first.status == "interrupted"
        kept = store.runs.resolutions(first.run_id)
        resumed = run_inventory(inventory, "web", store, resume=first.run_id)
    assert resumed.status == "completed", resumed.note
    assert rotating[NAME] == 1  # the resume compiled with the run's stored resolution
    assert store.runs.resolutions(first.run_id) == kept


@pytest.mark.lab
def test_a_worker_plans_with_the_runs_resolution(
    tmp_path: Path, db_url: str, rotating: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inventory = write(tmp_path / "inv.yaml", INVENTORY)
    store = Store.open(db_url)
    with two_servers():
        result = run_inventory(inventory, "web", store)

    def no_dns(name: str) -> list[str]:
        raise AssertionError(f"a worker asked DNS for {name}")

    monkeypatch.setattr(scope_guard, "system_resolver", no_dns)
    head = store.runs.head(result.run_id)
    assert head is not None
    run, plan = planner(())(store, head)
    assert run.resolutions == store.runs.resolutions(result.run_id)
    assert {job.key for job in plan.jobs} == {a.key for a in store.attempts.of_run(head.id)}
