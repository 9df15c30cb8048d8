"""net.s7-exposed against the lab's python-snap7 S7 server, on port 102 and moved to 10102."""

from __future__ import annotations

import socket
import threading

import pytest

from checks.network.s7_exposed import S7Exposed
from checks.protocols import s7
from scanner.core.models import AttemptStatus, Severity
from tests.checks.network.ot_helpers import (
    OT,
    assert_declared_only,
    assert_nothing_unsafe_served,
    run_ot,
)
from tests.helpers import service_target
from tests.hostile import serve
from tests.lab import lab

IDENT = lab.OT_IDENTITIES["s7"]


@pytest.mark.lab
def test_s7_identity_in_evidence_and_detail(lab_state: lab.LabState) -> None:
    attempt, sent = run_ot(S7Exposed, service_target(lab.OT_PLANT_ADDR, 102, "iso-tsap"))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.severity == Severity.CRITICAL
    assert f"product={IDENT['order_code']!r}" in finding.evidence
    assert f"version={IDENT['firmware']!r}" in finding.evidence
    device = finding.detail["device"]
    assert device["vendor"] == "Siemens"
    assert device["serial"] == IDENT["serial"]
    assert device["model"] == IDENT["module_name"]
    assert device["cpe"] == "cpe:2.3:o:siemens:simatic_s7-300_cpu_firmware:3.2.6:*:*:*:*:*:*:*"
    assert sent == [
        "s7.cotp-connect",
        "s7.setup-communication",
        "s7.szl-read",
        "s7.szl-read",
    ]
    assert_declared_only(S7Exposed, sent)
    assert_nothing_unsafe_served(lab_state.state_dir, "ot-s7")


@pytest.mark.lab
def test_s7_on_another_port_in_the_ot_zone_is_high(lab_state: lab.LabState) -> None:
    target = service_target(lab.OT_PLANT2_ADDR, 10102, "s7", exposure=OT)
    attempt, _ = run_ot(S7Exposed, target)
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    assert attempt.findings[0].severity == Severity.HIGH
    assert_nothing_unsafe_served(lab_state.state_dir, "ot-s7-moved")


@pytest.mark.lab
def test_http_named_s7_is_not_applicable(lab_state: lab.LabState) -> None:
    attempt, _ = run_ot(S7Exposed, service_target(lab.WEAK_ADDR, 80, "s7"))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE, attempt.reason


def test_the_client_names_write_and_stop_requests_as_unknown() -> None:
    dt = s7.DT
    write_var = dt + bytes.fromhex("3201000000000e00080500")  # function 0x05 Write Var
    stop = dt + bytes.fromhex("32010000000000100000290000000000")  # function 0x29 PLC Stop
    for payload in (write_var, stop):
        frame = b"\x03\x00" + len(payload + b"1234").to_bytes(2, "big") + payload
        assert s7.kind(frame) == "s7.unknown"


def test_a_cpu_refusing_tsap_0102_is_asked_at_0200() -> None:
    # A scripted S7-1200: it disconnects (COTP DR) a connection request to 0x0102 and closes;
    # to 0x0200 it confirms, then refuses the setup with garbage (enough to see the retry).
    asked: list[bytes] = []

    def cpu(conn: socket.socket, stop: threading.Event) -> None:
        with conn:
            request = conn.recv(64)
            asked.append(request[-2:])
            if request[-2:] == b"\x02\x00":
                conn.sendall(bytes.fromhex("0300000b06d00001000100"))
                conn.recv(64)
                conn.sendall(b"\x03\x00\x00\x08HTTP")
            else:
                conn.sendall(bytes.fromhex("0300000b06800001000100"))

    with serve(cpu) as (address, port):
        attempt, sent = run_ot(S7Exposed, service_target(address, port, "s7"))
    assert asked == [b"\x01\x02", b"\x02\x00"]
    assert sent == ["s7.cotp-connect", "s7.cotp-connect", "s7.setup-communication"]
    assert attempt.status == AttemptStatus.NOT_APPLICABLE, attempt.reason
