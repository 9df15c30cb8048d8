"""Service identification by the scanner's own probes, against the lab's real daemons."""

from __future__ import annotations

import pytest

from scanner.core.models import Service
from scanner.discovery.identify import identify
from scanner.engine.context import RunServices
from scanner.transport.ratelimit import TokenBucket
from tests.helpers import LOOPBACK_ONLY
from tests.hostile import hostile_server
from tests.lab import lab

pytestmark = pytest.mark.lab


def _named(address: str, port: int, nmap_name: str = "unknown", *, ot: bool = False) -> str:
    run = RunServices(guard=LOOPBACK_ONLY, bucket=TokenBucket(1000))
    return identify(Service(address, port, "tcp", nmap_name), run, ot=ot).name


@pytest.mark.parametrize(
    ("port", "expected"),
    [
        (21, "ftp"),
        (22, "ssh"),
        (23, "telnet"),
        (80, "http"),
        (443, "https"),
        (1883, "mqtt"),
        (6379, "redis"),
    ],
)
def test_weak_host_services_are_named_by_their_answers(
    lab_state: lab.LabState, port: int, expected: str
) -> None:
    # nmap's port-table name is deliberately wrong here: only the service's answer counts.
    assert _named(lab.WEAK_ADDR, port, "http-proxy") == expected


def test_ot_assets_get_no_guessing_probes(lab_state: lab.LabState) -> None:
    assert _named(lab.OT_ADDR, 502, "unknown") == "modbus"  # not OT: the probes find it
    assert _named(lab.OT_ADDR, 502, "unknown", ot=True) == "unknown"  # OT: no foreign bytes
    assert _named(lab.OT_ADDR, 502, "mbap", ot=True) == "modbus"  # its own read-only probe


def test_unrecognised_or_hostile_ports_keep_nmap_name() -> None:
    for mode in ("garbage", "silent", "controls"):
        with hostile_server(mode) as (address, port):
            assert _named(address, port, "blackjack") == "blackjack"
