"""End to end: a campaign against the lab's ot-plant hosts, through the CLI: discovery names the
six industrial protocols, the checks find them with the devices' identities, the notice lists
the devices, and no server ever received a write or control request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import write
from tests.integration.test_run_lab import scanner
from tests.lab import lab
from tests.lab.ot import OT_PLANT_DAEMONS
from tests.unit.inventory.test_schema import MINIMAL

pytestmark = pytest.mark.lab

PLANT = """\
      - id: plant
        host: 127.0.10.30
        exposure: ot
      - id: plant2
        host: 127.0.10.31
        exposure: internal
"""
PROFILE = """\
    modes: [remote]
    checks: [net.s7-exposed, net.iec104-exposed, net.dnp3-exposed, net.bacnet-exposed,
             net.enip-exposed, net.opcua-exposed, net.opcua-anonymous]
    families: []
    ports: 4840,10102
    udp_ports: [47808]
"""


def test_ot_plant_campaign(lab_state: lab.LabState, db_url: str, tmp_path: Path) -> None:
    text = MINIMAL.replace("      - id: web\n        host: 127.0.10.1\n", PLANT).replace(
        "    modes: [remote]\n", PROFILE
    )
    inventory = write(tmp_path / "plant.yaml", text)
    proc = scanner("run", str(inventory), "--profile", "remote", "--json", "--db", db_url)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    found = {(f["asset_id"], f["check_id"], f["location"]) for f in result["findings"]}
    assert found == {
        ("plant", "net.s7-exposed", "102/tcp"),
        ("plant", "net.iec104-exposed", "2404/tcp"),
        ("plant", "net.dnp3-exposed", "20000/tcp"),
        ("plant", "net.bacnet-exposed", "47808/udp"),
        ("plant", "net.enip-exposed", "44818/tcp"),
        ("plant", "net.opcua-exposed", "4840/tcp"),
        ("plant", "net.opcua-anonymous", "4840/tcp"),
        ("plant2", "net.s7-exposed", "10102/tcp"),  # named by its answer, not its port
        ("plant2", "net.opcua-exposed", "4840/tcp"),  # user names only: no anonymous finding
    }

    out = tmp_path / "out"
    proc = scanner("notices", "--run", str(result["run"]), "--format", "md,json", "--lang",
                   "en", "--out", str(out), "--db", db_url)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    [notice_json] = out.rglob("*.json")
    devices = {
        (d["asset_id"], d["protocol"]): d
        for d in json.loads(notice_json.read_text(encoding="utf-8"))["devices"]
    }
    s7 = lab.OT_IDENTITIES["s7"]
    assert devices["plant", "s7"]["product"] == s7["order_code"]
    assert devices["plant", "s7"]["version"] == s7["firmware"]
    assert devices["plant", "bacnet"]["version"] == lab.OT_IDENTITIES["bacnet"]["firmware"]
    assert devices["plant", "enip"]["product"] == lab.OT_IDENTITIES["enip"]["product_name"]
    opcua = devices["plant", "opcua"]  # the anonymous session's build information wins
    assert opcua["version"] == lab.OT_IDENTITIES["opcua"]["software_version"]
    s7_cpe = "cpe:2.3:o:siemens:simatic_s7-300_cpu_firmware:"
    assert devices["plant2", "s7"]["cpe"].startswith(s7_cpe)
    [markdown] = out.rglob("*.md")
    page = markdown.read_text(encoding="utf-8")
    assert "Industrial devices identified" in page
    assert f"| plant | 102/tcp | s7 | Siemens | {s7['order_code']} | 3\\.2.6 |" in page

    for daemon in OT_PLANT_DAEMONS:
        assert lab.unsafe_served(lab_state.state_dir, daemon) == [], daemon
