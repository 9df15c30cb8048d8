"""The ot-plant hosts' industrial servers (``ot_server.py``) and the identities they serve.

``ot-plant`` (127.0.10.30) speaks six industrial protocols on their standard ports, each from a
maintained implementation: S7comm (python-snap7), IEC 60870-5-104 (c104), DNP3 (dnp3py's
outstation), BACnet/IP (bacpypes3), EtherNet/IP (cpppo) and OPC UA (asyncua, security mode None,
anonymous sessions accepted). ``ot-plant-2`` (127.0.10.31) has S7comm moved to port 10102 (for the
identification probes) and an OPC UA server that accepts user names only. Every server runs as
``nobody`` (CAP_NET_BIND_SERVICE for port 102) and logs each request it decodes as a
``REQUEST <protocol> <code> <name>`` line, which tests read back.

Facts measured here: bacpypes3 0.0.110 refuses the wildcard device instance 4194303 (it compares
an ObjectIdentifier with a plain tuple), so nmap's bacnet-info gets an error and our check falls
back to Who-Is; dnp3py's outstation has no device attributes (group 0: IIN2 object unknown);
opendnp3's binding (``dnp3-python``) has no wheel for Python 3.11; python-snap7's and c104's
listen queues are 5 and 2 connections, which a dozen simultaneous identification guesses
overflow (hence identify's batches); the S7 server's SZL 0x001C needs records 1-5 and 7 in
order for nmap's s7-info, which reads fixed offsets.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Final

from tests.lab.hosts import OT_PLANT2_ADDR, OT_PLANT_ADDR
from tests.lab.ics import _SETPRIV_NOBODY
from tests.lab.process import DaemonSpec
from tests.lab.system import DAEMON_ENV, LabError

OT_SERVER_SCRIPT: Final = Path(__file__).resolve().with_name("ot_server.py")
#: The daemons of the ot-plant family, in start order.
OT_PLANT_DAEMONS: Final = ("ot-s7", "ot-iec104", "ot-dnp3", "ot-bacnet", "ot-enip", "ot-opcua",
                           "ot-s7-moved", "ot-opcua-users")  # fmt: skip
OT_MODULES: Final = ("snap7", "c104", "dnp3", "bacpypes3", "cpppo", "asyncua")

#: What each server says about itself (tests assert on these).
OT_IDENTITIES: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "s7": {
            "order_code": "6ES7 315-2EH14-0AB0",
            "firmware": "3.2.6",
            "system_name": "LAB-S7-PLC",
            "module_name": "CPU 315-2 PN/DP",
            "serial": "S C-LAB000017",
            "plant_id": "LAB-PLANT-17",
            "copyright": "Original Siemens Equipment",
        },
        "iec104": {"common_address": "47"},
        "dnp3": {"address": "10"},
        "bacnet": {
            "instance": "1234",
            "object_name": "lab-ahu-1",
            "vendor": "Inspection Lab BMS",
            "vendor_id": "999",
            "model": "LAB-BAC-1",
            "firmware": "2.4.1",
            "software_version": "lab-bms 1.0",
        },
        "enip": {
            "vendor_id": "1",
            "device_type": "14",
            "product_code": "54",
            "revision_raw": "788",  # 0x0314: major 20 (low byte), minor 3
            "revision": "20.3",
            "serial_raw": "12648430",  # 0x00c0ffee
            "product_name": "LAB-ENIP-1",
        },
        "opcua": {
            "application_name": "Lab OPC UA server",
            "application_uri": "urn:lab:opcua:server",
            "product_uri": "urn:lab:opcua",
            "manufacturer": "Inspection Lab",
            "product_name": "LAB-OPCUA-1",
            "software_version": "1.4.2",
            "build_number": "417",
        },
    }
)


def _runtime(python: str) -> tuple[str, dict[str, str]]:
    """The interpreter that runs the servers as nobody, and its environment: ``python`` itself
    when nobody can use it, else /usr/bin/python3 with ``python``'s site-packages on PYTHONPATH
    (a venv of a pyenv Python under /root)."""
    env = dict(DAEMON_ENV, PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1")
    probe = f"import sys, {', '.join(OT_MODULES)}; import snap7 as m; print(m.__file__)"
    mine = subprocess.run(
        [python, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    if mine.returncode:
        raise LabError(
            f"{python} cannot import the ot-plant servers' packages ({', '.join(OT_MODULES)}):"
            f" `{python} -m pip install -e '.[dev]'` installs them. {mine.stderr[-300:]}"
        )
    site = str(Path(mine.stdout.strip()).parent.parent)
    for interpreter, extra in ((python, {}), ("/usr/bin/python3", {"PYTHONPATH": site})):
        run_env = dict(env, **extra)
        res = subprocess.run(
            [*_SETPRIV_NOBODY, interpreter, "-c", probe],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env=run_env,
        )
        if res.returncode == 0:
            return interpreter, run_env
    raise LabError(f"user nobody can run neither {python} nor /usr/bin/python3 with {site}")


def _spec(name: str, runtime: tuple[str, dict[str, str]], *args: str) -> DaemonSpec:
    interpreter, env = runtime
    return DaemonSpec(
        name, (*_SETPRIV_NOBODY, interpreter, "-s", str(OT_SERVER_SCRIPT), *args), env
    )


def ot_plant(state_dir: Path, python: str) -> list[DaemonSpec]:
    """Every ot-plant server: six protocols on ot-plant, two on ot-plant-2."""
    runtime = _runtime(python)
    work = state_dir / "ot-plant"
    work.mkdir(mode=0o755, exist_ok=True)
    subprocess.run(["chown", "nobody:nogroup", str(work)], check=True, timeout=10)
    plant = ("--host", OT_PLANT_ADDR, "--state-dir", str(work))
    return [
        _spec("ot-s7", runtime, "s7", *plant, "--port", "102"),
        _spec("ot-iec104", runtime, "iec104", *plant, "--port", "2404"),
        _spec("ot-dnp3", runtime, "dnp3", *plant, "--port", "20000"),
        _spec("ot-bacnet", runtime, "bacnet", *plant, "--port", "47808"),
        _spec("ot-enip", runtime, "enip", *plant, "--port", "44818"),
        _spec("ot-opcua", runtime, "opcua", *plant, "--port", "4840"),
        _spec("ot-s7-moved", runtime, "s7", "--host", OT_PLANT2_ADDR, "--port", "10102"),
        _spec(
            "ot-opcua-users",
            runtime,
            "opcua",
            "--host",
            OT_PLANT2_ADDR,
            "--port",
            "4840",
            "--no-anonymous",
        ),
    ]


#: What each protocol's server may log receiving: the read-only and session set-up requests of
#: the checks and of nmap's identification scripts (bench/ics_vs_nmap.py runs them on the same
#: servers). Anything else in a log means a write or control request reached the server.
READ_ONLY_SERVED: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "s7": frozenset({"0xf0", "userdata-0x44-0x01"}),  # setup communication, read SZL
        # STARTDT, C_IC_NA_1, S-frame, STOPDT; TESTFR act (nmap's iec-identify)
        "iec104": frozenset({"0x07", "100", "0x01", "0x13", "0x43"}),
        "dnp3": frozenset({"1"}),  # READ
        # ReadPropertyMultiple, Who-Is; ReadProperty (nmap's bacnet-info)
        "bacnet": frozenset({"14", "8", "12"}),
        "enip": frozenset({"99"}),  # List Identity
        "opcua": frozenset({"428", "461", "467", "631", "473"}),  # endpoints, session, Read
    }
)


def served_requests(state_dir: Path, daemon: str) -> list[tuple[str, str]]:
    """Every (protocol, code) the daemon's log says it received, in order."""
    log = state_dir / "logs" / f"{daemon}.log"
    found = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("REQUEST "):
            parts = line.split()
            if len(parts) >= 3:
                found.append((parts[1], parts[2]))
    return found


def unsafe_served(state_dir: Path, daemon: str) -> list[tuple[str, str]]:
    """What the daemon received beyond the read-only requests (empty when all is well)."""
    return [
        (p, c)
        for p, c in served_requests(state_dir, daemon)
        if c not in READ_ONLY_SERVED.get(p, frozenset())
    ]
