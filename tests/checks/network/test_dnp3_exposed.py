"""net.dnp3-exposed against the lab's dnp3py outstation (link address 10).

dnp3py's outstation does not implement the device attributes (group 0): it answers the READ
with IIN2 "object unknown", which the check reports; the attribute parser is tested on a
recorded answer of an outstation that has them.
"""

from __future__ import annotations

import pytest

from checks.network.dnp3_exposed import Dnp3Exposed
from checks.protocols import dnp3
from scanner.core.models import AttemptStatus, Severity
from tests.checks.network.ot_helpers import (
    assert_declared_only,
    assert_nothing_unsafe_served,
    run_ot,
)
from tests.helpers import service_target
from tests.lab import lab

pytestmark = pytest.mark.lab


def test_outstation_answering_is_a_finding(lab_state: lab.LabState) -> None:
    attempt, sent = run_ot(Dnp3Exposed, service_target(lab.OT_PLANT_ADDR, 20000, "dnp"))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.severity == Severity.CRITICAL
    assert finding.evidence.startswith(
        "DNP3 outstation 10 answered Request Link Status and a READ of its device attributes"
    )
    assert "IIN 0x" in finding.evidence
    assert finding.detail["link_address"] == 10
    # address 1 first (silence), then 10 answers
    assert sent == ["dnp3.link-status", "dnp3.link-status", "dnp3.read-attributes"]
    assert_declared_only(Dnp3Exposed, sent)
    assert_nothing_unsafe_served(lab_state.state_dir, "ot-dnp3")


def test_device_attributes_are_parsed() -> None:
    # A group 0 answer as an outstation with attributes sends it (start-stop qualifier):
    # g0v252 vendor "ACME", g0v250 product "RTU-9", g0v242 software version "4.1".
    objects = b"".join(
        bytes([0, var, 0x00, 0, 0, 1, len(text)]) + text
        for var, text in ((252, b"ACME"), (250, b"RTU-9"), (242, b"4.1"))
    )
    assert dnp3._attributes(objects) == {
        "vendor": "ACME",
        "product": "RTU-9",
        "software_version": "4.1",
    }


def test_control_functions_are_unknown_kinds() -> None:
    for function in (0x02, 0x03, 0x04, 0x05, 0x0D, 0x0E, 0x12, 0x19):  # write ... open file
        app = bytes([0xC0, 0xC0, function, 0x0C, 0x01, 0x17, 0x01, 0x00])
        assert dnp3.kind(dnp3.frame(0xC4, 10, 3, app)) == "dnp3.unknown"
    read_class0 = bytes([0xC0, 0xC0, 0x01, 60, 1, 0x06])
    assert dnp3.kind(dnp3.frame(0xC4, 10, 3, read_class0)) == "dnp3.unknown"  # not declared
    assert dnp3.kind(dnp3.frame(0xC4, 10, 3, dnp3.read_attributes())) == "dnp3.read-attributes"
