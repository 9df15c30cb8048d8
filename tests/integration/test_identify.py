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


@pytest.mark.parametrize(
    ("port", "nmap_name", "expected", "guessed"),
    [
        (102, "iso-tsap", "s7", True),
        # c104 answers STARTDT on one connection at a time within the probe's second, not
        # amid eleven guesses at once: on its own port it is found by its own probe
        (2404, "iec-104", "iec104", False),
        # the probe asks link address 1; the lab's outstation is 10, so nmap's name stays
        # (net.dnp3-exposed applies to it and tries addresses 1, 10 and 1024)
        (20000, "dnp", "dnp", False),
        (44818, "EtherNetIP-2", "enip", True),
        (4840, "opcua-tcp", "opcua", True),
    ],
)
def test_industrial_services_on_standard_ports(
    lab_state: lab.LabState, port: int, nmap_name: str, expected: str, guessed: bool
) -> None:
    # On an ot asset only the port's own protocol is asked; elsewhere the guesses find it too.
    assert _named(lab.OT_PLANT_ADDR, port, nmap_name, ot=True) == expected
    assert _named(lab.OT_PLANT_ADDR, port, nmap_name) == expected
    if guessed:
        assert _named(lab.OT_PLANT_ADDR, port, "unknown") == expected


def test_industrial_service_on_another_port_is_named_by_its_answer(
    lab_state: lab.LabState,
) -> None:
    assert _named(lab.OT_PLANT2_ADDR, 10102, "unknown") == "s7"
    assert _named(lab.OT_PLANT2_ADDR, 10102, "unknown", ot=True) == "unknown"  # no guessing
