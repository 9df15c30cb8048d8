"""net.unexpected-service: unit cases on whole-host targets, and end to end through the CLI
against the lab's weak host (real nmap discovery and identification)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from checks.network.unexpected_service import UnexpectedService
from scanner.core.models import AssetKind, AttemptStatus, Exposure, HostTarget, Service, Severity
from tests.conftest import REPO
from tests.helpers import run_check, write
from tests.lab import lab
from tests.unit.inventory.test_schema import MINIMAL

SERVICES = (
    Service("127.0.10.9", 22, "tcp", "ssh", "OpenSSH 9.2p1"),
    Service("127.0.10.9", 443, "tcp", "https"),
    Service("127.0.10.9", 6379, "tcp", "redis", "Redis 7.0.15"),
    Service("127.0.10.9", 161, "udp", "snmp"),
)


def host(expected: tuple[str, ...], kind: AssetKind = AssetKind.HOST) -> HostTarget:
    return HostTarget(entity_id="e", asset_id="a", kind=kind, address="127.0.10.9",
                      exposure=Exposure.INTERNAL, services=SERVICES,
                      expected_services=expected)  # fmt: skip


def test_each_undeclared_service_is_a_finding() -> None:
    attempt = run_check(UnexpectedService, host(("22/tcp", "443/tcp")))
    assert attempt.status == AttemptStatus.FAIL
    assert attempt.location == "host"
    got = {(f.location, f.severity, f.evidence) for f in attempt.findings}
    assert got == {
        (
            "6379/tcp",
            Severity.LOW,
            "6379/tcp is open (service redis, product 'Redis 7.0.15') but the asset declares "
            "only 22/tcp, 443/tcp",
        ),
        (
            "161/udp",
            Severity.LOW,
            "161/udp is open (service snmp, no product) but the asset declares only 22/tcp, "
            "443/tcp",
        ),
    }
    assert {f.detail["port"] for f in attempt.findings} == {6379, 161}


def test_all_declared_passes() -> None:
    attempt = run_check(UnexpectedService, host(("22/tcp", "443/tcp", "6379/tcp", "161/udp")))
    assert attempt.status == AttemptStatus.PASS
    assert attempt.findings == ()


def test_no_declaration_is_not_applicable() -> None:
    attempt = run_check(UnexpectedService, host(()))
    assert attempt.status == AttemptStatus.NOT_APPLICABLE
    assert attempt.reason == "the asset declares no expected services"


def test_range_findings_name_the_address() -> None:
    attempt = run_check(UnexpectedService, host(("22/tcp", "443/tcp", "161/udp"),
                                                AssetKind.NETWORK))  # fmt: skip
    [finding] = attempt.findings
    assert finding.location == "127.0.10.9:6379/tcp"


INVENTORY = MINIMAL.replace(
    "        host: 127.0.10.1\n",
    "        host: 127.0.10.1\n        exposure: internet\n"
    "        expected_services: [21/tcp, 22/tcp, 23/tcp, 80/tcp, 443/tcp, 1883/tcp]\n",
).replace(
    "    modes: [remote]",
    "    checks: [net.unexpected-service]\n    ports: 21,22,23,80,443,1883,2024,5432,6379,6380",
)


@pytest.mark.lab
def test_weak_host_undeclared_ports(lab_state: lab.LabState, tmp_path: Path) -> None:
    inventory = write(tmp_path / "inv.yaml", INVENTORY)
    proc = subprocess.run(
        [sys.executable, "-m", "scanner.cli", "run", str(inventory), "--profile", "remote",
         "--json", "--db", f"sqlite:///{tmp_path / 'scanner.db'}"],
        capture_output=True, text=True, check=False, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    got = {f["location"]: f["evidence"] for f in result["findings"]}
    declared = "21/tcp, 22/tcp, 23/tcp, 80/tcp, 443/tcp, 1883/tcp"
    expected = {
        "5432/tcp": f"5432/tcp is open (service postgresql, no product) but the asset declares "
        f"only {declared}",
        "6379/tcp": f"6379/tcp is open (service redis, no product) but the asset declares only "
        f"{declared}",
        "6380/tcp": f"6380/tcp is open (service redis, no product) but the asset declares only "
        f"{declared}",
    }
    # This machine may run a listener of its own on 0.0.0.0:2024, answering on every 127.x
    # address (see LAB-NOTES): discovery rightly sees it on the weak host too.
    if lab.tcp_accepts(lab.WEAK_ADDR, 2024):
        assert got.pop("2024/tcp").startswith("2024/tcp is open (service ")
    assert got == expected
    assert {f["check_id"] for f in result["findings"]} == {"net.unexpected-service"}
    assert {f["severity"] for f in result["findings"]} == {"low"}
