"""A host that answers on every port (a tarpit) costs one attempt, through real nmap.

The tarpit is one asyncio server in a thread listening on 300 ports of 127.0.22.1: it accepts
every connection and never says a word (what a tarpit or a handshake-completing firewall does).
With ``max_services_per_host`` below 300, the run records the host once as "answers on every
port", checks none of its ports (identification probes at most the first ``EARLY_PER_HOST``
while nmap still scans), and counts that attempt with the others.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from scanner.app.runs import EARLY_PER_HOST, TARPIT_CHECK, run_inventory
from scanner.core.models import AttemptStatus
from scanner.store import Store
from tests.helpers import write
from tests.unit.inventory.test_schema import MINIMAL

ADDRESS = "127.0.22.1"
FIRST, COUNT = 21000, 300
INVENTORY = (
    MINIMAL.partition("scope:")[0]
    + f"""\
scope:
  allow: [127.0.22.0/24]
rate_limits:
  max_services_per_host: 200
entities:
  - id: ent
    name: Entity
    sector: energy
    assets:
      - id: tarpit
        host: {ADDRESS}
profiles:
  sweep:
    checks: [web.nosniff-missing, net.redis-no-auth]
    ports: "{FIRST}-{FIRST + COUNT - 1}"
"""
)


@contextmanager
def tarpit() -> Iterator[list[int]]:
    """Listen on COUNT ports; accept everything, send nothing; yields the accepted count."""
    accepted = [0]
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    servers: list[asyncio.AbstractServer] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted[0] += 1
        await asyncio.sleep(2)  # silent, then gone: bounded, as everything in a test
        writer.close()

    async def start() -> None:
        for port in range(FIRST, FIRST + COUNT):
            servers.append(await asyncio.start_server(hold, ADDRESS, port))
        ready.set()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10), "the tarpit did not start"
    try:
        yield accepted
    finally:

        async def close() -> None:
            for server in servers:
                server.close()

        asyncio.run_coroutine_threadsafe(close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@pytest.mark.lab  # real nmap
def test_a_tarpit_is_recorded_once_and_counted(tmp_path: Path, db_url: str) -> None:
    inventory = write(tmp_path / "inv.yaml", INVENTORY)
    store = Store.open(db_url)
    with tarpit() as accepted:
        result = run_inventory(inventory, "sweep", store)
    assert result.status == "completed", result.note
    attempts = store.attempts.of_run(result.run_id)
    [capped] = [a for a in attempts if a.check_id == TARPIT_CHECK]
    assert capped.status == AttemptStatus.SKIPPED and capped.location == ADDRESS
    assert f"answers on every port: {COUNT} open ports" in capped.reason
    # nothing identified or checked port by port: the checks found no service to apply to
    assert {a.status for a in attempts if a.check_id != TARPIT_CHECK} == {
        AttemptStatus.NOT_APPLICABLE
    }
    assert result.counts.get("skipped") == 1  # counted with the run, as printed
    assert sum(result.counts.values()) == len(attempts)
    assert store.attempts.discovery(result.run_id)[ADDRESS].services == ()
    # nmap's connect scan touched each port about once; identification probed at most the
    # first EARLY_PER_HOST ports while nmap still scanned (a few connections each), no others
    assert accepted[0] <= COUNT + 8 * EARLY_PER_HOST + 50
