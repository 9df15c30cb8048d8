"""net.vulnerable-firmware against the lab's real industrial servers (python-snap7's S7 server,
cpppo's EtherNet/IP adapter, bacpypes3's BACnet device, asyncua's OPC UA server, pymodbus),
with the NVD test feed tests/data/feeds/nvdcve-2.0-ics-sample.json: Siemens S7-300 CVEs
modelled on SSA-731239 (the lab's CPU 315-2 PN/DP reports firmware 3.2.6) and fictional
CVE-2099-01xx records for the lab's fictional products, each modelled on a real advisory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checks.network._firmware import cpes, firmware_version, nvd_vendor
from checks.network.bacnet_exposed import BacnetExposed
from checks.network.enip_exposed import EnipExposed
from checks.network.s7_exposed import S7Exposed
from checks.network.vulnerable_firmware import VulnerableFirmware
from scanner.core.models import Attempt, AttemptStatus, Exposure, Severity, Target
from scanner.engine.check import Check
from scanner.engine.context import RunServices
from scanner.inventory.schema import RiskModel
from scanner.notices.risk import assess
from scanner.store import Store
from scanner.transport.ratelimit import TokenBucket
from scanner.vulns.match import Matcher
from tests.checks.network.ot_helpers import assert_declared_only, assert_nothing_unsafe_served
from tests.helpers import LOOPBACK_ONLY, run_check, service_target
from tests.lab import lab
from tests.unit.vulns.feeds import FEEDS, feed_store

ICS = FEEDS / "nvdcve-2.0-ics-sample.json"
S7 = service_target(lab.OT_PLANT_ADDR, 102, "iso-tsap")


def services(store: Store) -> RunServices:
    """One run's services, as for an ot asset, with the store's feeds."""
    return RunServices(
        guard=LOOPBACK_ONLY,
        bucket=TokenBucket(1000),
        ot_bucket=TokenBucket(2, burst=1),
        ot_hosts=(lab.OT_PLANT_ADDR, lab.OT_PLANT2_ADDR),
        vulnerabilities=Matcher(store.feeds),
    )


def run(cls: type[Check], target: Target, run_services: RunServices) -> Attempt:
    return run_check(cls, target, timeout=20.0, services=run_services)


def sent_by(run_services: RunServices, check_id: str) -> list[str]:
    return [kind for check, _address, kind in run_services.sent_requests if check == check_id]


@pytest.fixture
def ics_store(tmp_path: Path) -> Store:
    return feed_store(f"sqlite:///{tmp_path}/feeds.db", ICS)


def test_the_table_maps_identities_to_nvd_names() -> None:
    s7 = cpes("Siemens", "6ES7 315-2EH14-0AB0", "CPU 315-2 PN/DP")
    assert [(c.part, c.vendor, c.product) for c in s7] == [
        ("o", "siemens", "simatic_s7-300_cpu_firmware"),
        ("o", "siemens", "simatic_s7-300_cpu_315-2_pn/dp_firmware"),
    ]
    assert s7[1].name("3.2.6") == (
        "cpe:2.3:o:siemens:simatic_s7-300_cpu_315-2_pn\\/dp_firmware:3.2.6:*:*:*:*:*:*:*"
    )
    assert [c.product for c in cpes("Siemens", "6ES7 214-1AG40-0XB0")] == [
        "simatic_s7-1200_cpu_firmware"
    ]
    rockwell = cpes("Rockwell Automation/Allen-Bradley", "1756-L61/B LOGIX5561")
    assert [(c.vendor, c.product) for c in rockwell] == [
        ("rockwellautomation", "1756-l61_firmware")
    ]
    assert [(c.part, c.vendor, c.product) for c in cpes("Inspection Lab BMS", "LAB-BAC-1")] == [
        ("o", "inspection_lab_bms", "lab-bac-1_firmware")
    ]
    opc = cpes("Inspection Lab", "LAB-OPCUA-1", software=True)
    assert [(c.part, c.product) for c in opc] == [("a", "lab-opcua-1")]
    assert cpes("", "LAB-PLC-1") == ()
    assert nvd_vendor("Schneider Electric") == "schneider-electric"
    assert firmware_version("V3.2.6") == "3.2.6"


@pytest.mark.lab
def test_s7_firmware_in_nvd_ranges_reuses_the_exposure_checks_read(
    lab_state: lab.LabState, ics_store: Store
) -> None:
    shared = services(ics_store)
    exposed = run(S7Exposed, S7, shared)
    assert exposed.status == AttemptStatus.FAIL, exposed.reason
    attempt = run(VulnerableFirmware, S7, shared)
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.check_id == "net.vulnerable-firmware"
    assert finding.severity == Severity.HIGH  # CVE-2016-9158's CVSS 7.5
    assert "reports firmware 3.2.6 (its own identification" in finding.evidence
    assert "CVE-2016-9158, CVE-2016-9159" in finding.evidence
    assert "CVE-2019-10943" not in finding.evidence  # S7-1200, another product line
    detail = finding.detail
    assert detail["cves"] == ["CVE-2016-9158", "CVE-2016-9159"]
    assert detail["cpes"] == [
        "siemens:simatic_s7-300_cpu_firmware",
        "siemens:simatic_s7-300_cpu_315-2_pn/dp_firmware",
    ]
    assert detail["confirmed"] is True
    assert detail["cvss"] == 7.5
    assert detail["device"]["cpe"].startswith("cpe:2.3:o:siemens:simatic_s7-300_cpu_firmware:3.2.6")
    # the device saw the exposure check's read-only requests once; this check sent nothing
    assert sent_by(shared, "net.vulnerable-firmware") == []
    assert sent_by(shared, "net.s7-exposed") == [
        "s7.cotp-connect",
        "s7.setup-communication",
        "s7.szl-read",
        "s7.szl-read",
    ]
    assert_nothing_unsafe_served(lab_state.state_dir, "ot-s7")


@pytest.mark.lab
def test_alone_it_sends_only_the_declared_identification_reads(
    lab_state: lab.LabState, ics_store: Store
) -> None:
    alone = services(ics_store)
    attempt = run(VulnerableFirmware, S7, alone)
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    sent = sent_by(alone, "net.vulnerable-firmware")
    assert sent == ["s7.cotp-connect", "s7.setup-communication", "s7.szl-read", "s7.szl-read"]
    assert_declared_only(VulnerableFirmware, sent)
    assert_nothing_unsafe_served(lab_state.state_dir, "ot-s7")


@pytest.mark.lab
def test_a_kev_listed_cve_ranks_higher(lab_state: lab.LabState, tmp_path: Path) -> None:
    kev = tmp_path / "kev.json"
    kev.write_text(
        json.dumps(
            {
                "title": "CISA Catalog of Known Exploited Vulnerabilities (scanner test data)",
                "catalogVersion": "2026.12.01",
                "dateReleased": "2026-12-01T15:00:00.0000Z",
                "count": 1,
                "vulnerabilities": [
                    {
                        "cveID": "CVE-2099-0102",
                        "vendorProject": "Rockwell Automation",
                        "product": "LAB-ENIP-1",
                        "vulnerabilityName": "Fictional test flaw (scanner test data)",
                        "dateAdded": "2026-11-25",
                        "shortDescription": "Fictional, paired with CVE-2099-0102.",
                        "requiredAction": "Apply mitigations per vendor instructions.",
                        "dueDate": "2026-12-16",
                        "knownRansomwareCampaignUse": "Unknown",
                        "notes": "",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    store = feed_store(f"sqlite:///{tmp_path}/feeds.db", ICS, kev)
    shared = services(store)
    target = service_target(lab.OT_PLANT_ADDR, 44818, "EtherNetIP-2", exposure=Exposure.OT)
    assert run(EnipExposed, target, shared).status == AttemptStatus.FAIL
    attempt = run(VulnerableFirmware, target, shared)
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.severity == Severity.CRITICAL  # CVSS 10.0
    assert "EtherNet/IP device Rockwell Automation/Allen-Bradley LAB-ENIP-1" in finding.evidence
    assert "known exploited (CISA KEV): CVE-2099-0102" in finding.evidence
    assert finding.detail["known_exploited"] == ["CVE-2099-0102"]
    assert sent_by(shared, "net.vulnerable-firmware") == []

    def score(kev_listed: bool) -> float:
        risk = assess(
            finding.severity.value,
            "ot",
            cii_operator=False,
            mlps_level=3,
            model=RiskModel(),
            cvss=finding.detail["cvss"],
            known_exploited=kev_listed,
        )
        return risk.score

    assert score(True) > score(False)
    assert_nothing_unsafe_served(lab_state.state_dir, "ot-enip")


@pytest.mark.lab
@pytest.mark.parametrize(
    ("target", "cve", "said"),
    [
        (
            service_target(lab.OT_PLANT_ADDR, 47808, "bacnet", protocol="udp"),
            "CVE-2099-0103",
            "BACnet device Inspection Lab BMS LAB-BAC-1 reports firmware 2.4.1",
        ),
        (
            service_target(lab.OT_PLANT_ADDR, 4840, "opcua"),
            "CVE-2099-0104",
            "OPC UA device Inspection Lab LAB-OPCUA-1 reports software 1.4.2",
        ),
        (
            service_target(lab.OT_ADDR, 502, "modbus"),
            "CVE-2099-0105",
            "Modbus device Inspection Lab LAB-PLC-1 reports firmware 1.0",
        ),
    ],
    ids=["bacnet", "opcua", "modbus"],
)
def test_each_protocols_identity_is_matched(
    lab_state: lab.LabState, ics_store: Store, target: Target, cve: str, said: str
) -> None:
    attempt = run(VulnerableFirmware, target, services(ics_store))
    assert attempt.status == AttemptStatus.FAIL, attempt.reason
    [finding] = attempt.findings
    assert finding.detail["cves"] == [cve]
    assert said in finding.evidence
    assert finding.severity == Severity.HIGH


@pytest.mark.lab
def test_a_firmware_outside_the_ranges_gives_nothing(
    lab_state: lab.LabState, tmp_path: Path
) -> None:
    # the same advisory, its fix at exactly the lab's 3.2.6: the CPU is not in the range
    feed = json.loads(ICS.read_text(encoding="utf-8"))
    for record in feed["vulnerabilities"]:
        for config in record["cve"]["configurations"]:
            for node in config["nodes"]:
                for match in node["cpeMatch"]:
                    if "siemens" in match["criteria"]:
                        match["versionEndExcluding"] = "3.2.6"
    fixed = tmp_path / "nvdcve-2.0-fixed.json"
    fixed.write_text(json.dumps(feed), encoding="utf-8")
    store = feed_store(f"sqlite:///{tmp_path}/feeds.db", fixed)
    attempt = run(VulnerableFirmware, S7, services(store))
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert attempt.findings == ()


@pytest.mark.lab
def test_no_feed_gives_nothing_and_no_error(lab_state: lab.LabState, tmp_path: Path) -> None:
    store = feed_store(f"sqlite:///{tmp_path}/empty.db")
    shared = services(store)
    exposed = run(
        BacnetExposed, service_target(lab.OT_PLANT_ADDR, 47808, "bacnet", protocol="udp"), shared
    )
    assert exposed.status == AttemptStatus.FAIL
    attempt = run(
        VulnerableFirmware,
        service_target(lab.OT_PLANT_ADDR, 47808, "bacnet", protocol="udp"),
        shared,
    )
    assert attempt.status == AttemptStatus.NOT_APPLICABLE, attempt.reason
    assert "no NVD feed imported" in attempt.reason
    assert attempt.findings == ()


@pytest.mark.lab
def test_a_dnp3_outstation_without_attributes_is_not_applicable(
    lab_state: lab.LabState, ics_store: Store
) -> None:
    target = service_target(lab.OT_PLANT_ADDR, 20000, "dnp")
    attempt = run(VulnerableFirmware, target, services(ics_store))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE, attempt.reason
