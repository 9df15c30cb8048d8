"""net.bacnet-exposed against the lab's bacpypes3 BACnet/IP device (instance 1234).

bacpypes3 0.0.110 compares the wildcard device instance against a plain tuple and so refuses
it (unknown-object): the check's Who-Is fallback is what finds the device here.
"""

from __future__ import annotations

import pytest

from checks.network.bacnet_exposed import BacnetExposed
from checks.protocols import bacnet
from scanner.core.models import AttemptStatus, Severity
from tests.checks.network.ot_helpers import (
    assert_declared_only,
    assert_nothing_unsafe_served,
    run_ot,
)
from tests.helpers import service_target
from tests.lab import lab

pytestmark = pytest.mark.lab
IDENT = lab.OT_IDENTITIES["bacnet"]


def test_device_identity_is_read(lab_state: lab.LabState) -> None:
    target = service_target(lab.OT_PLANT_ADDR, 47808, "bacnet", protocol="udp")
    attempt, sent = run_ot(BacnetExposed, target)
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.severity == Severity.CRITICAL
    assert finding.location == "47808/udp"
    assert finding.evidence == (
        f"BACnet/IP device {IDENT['instance']} ({IDENT['object_name']!r}) answered "
        f"ReadPropertyMultiple without authentication: vendor={IDENT['vendor']!r}, "
        f"product={IDENT['model']!r}, version={IDENT['firmware']!r}"
    )
    device = finding.detail["device"]
    assert device["software"] == IDENT["software_version"]
    assert device["vendor_id"] == IDENT["vendor_id"]
    assert sent == [
        "bacnet.read-property-multiple",
        "bacnet.who-is",
        "bacnet.read-property-multiple",
    ]
    assert_declared_only(BacnetExposed, sent)
    assert_nothing_unsafe_served(lab_state.state_dir, "ot-bacnet")


def test_write_and_device_control_are_unknown_kinds() -> None:
    head = b"\x01\x04\x00\x05\x01"
    for service in (15, 16, 17, 20, 6, 7):  # writes, device control, reinitialize, files
        apdu = head + bytes([service, 0x0C]) + ((8 << 22) | 1234).to_bytes(4, "big")
        datagram = b"\x81\x0a" + (len(apdu) + 4).to_bytes(2, "big") + apdu
        assert bacnet.kind(datagram) == "bacnet.unknown"
    assert bacnet.kind(bacnet.read_device(1)) == "bacnet.read-property-multiple"
    assert bacnet.kind(bacnet.WHO_IS) == "bacnet.who-is"
