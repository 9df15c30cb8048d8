"""The ot host's Modbus/TCP server (``modbus_server.py``, pymodbus) and the values it serves.

Like real field devices it answers without authentication: holding and input registers, coils,
discrete inputs and Read Device Identification, with the fixed values below that tests assert
on. It runs as ``nobody`` with only CAP_NET_BIND_SERVICE for port 502. If ``nobody`` cannot use
the ``--python`` interpreter (a pyenv or venv Python under /root), it runs under
``/usr/bin/python3`` with that interpreter's pymodbus directory on PYTHONPATH (pymodbus is pure
Python).

pymodbus 3.8.6 behaves; 3.6.9 never answers a fresh connection's device identification request
promptly, and 3.7.4 opened extra listeners on 0.0.0.0 on random ports.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Final

from tests.lab.hosts import OT_ADDR
from tests.lab.process import DaemonSpec
from tests.lab.system import DAEMON_ENV, REPO_ROOT, LabError, say

MODBUS_SERVER_SCRIPT: Final = Path(__file__).resolve().with_name("modbus_server.py")
PYMODBUS_VERSION: Final = "3.8.6"

# Modbus data served by the ot host (modbus_server.py reads them through lab.py; tests assert
# on them).
MODBUS_UNIT_ID: Final = 1
MODBUS_HOLDING_REGISTERS: Final = (1200, 345, 6789, 42, 0, 1, 2, 3, 4, 5)
MODBUS_IDENTITY: Final[Mapping[str, str]] = MappingProxyType(
    {
        "VendorName": "Inspection Lab",
        "ProductCode": "LAB-PLC-1",
        "MajorMinorRevision": "1.0",
        "VendorUrl": "http://lab.invalid/",
        "ProductName": "Lab PLC simulator",
        "ModelName": "LP-1",
    }
)

_SETPRIV_NOBODY: Final = (
    "setpriv",
    "--reuid=nobody",
    "--regid=nogroup",
    "--clear-groups",
    "--inh-caps=-all,+net_bind_service",
    "--ambient-caps=-all,+net_bind_service",
    "--bounding-set=-all,+net_bind_service",
)


def _modbus_runtime(python: str) -> tuple[str, dict[str, str]]:
    """Which interpreter runs the Modbus server as nobody, and with which environment.

    ``python`` must import pymodbus. It is used as is if user nobody gets the same Python from
    it (same ``sys.base_prefix``). A pyenv interpreter under /root (mode 0700) does not qualify:
    then the system ``/usr/bin/python3`` runs the server, with the directory holding ``python``'s
    pymodbus (pure Python) on PYTHONPATH.
    """
    env = dict(DAEMON_ENV, PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1")
    probe = (
        "import os, sys, pymodbus; open(os.__file__, 'rb').close(); "
        "print(pymodbus.__version__); print(sys.base_prefix); "
        "print(os.path.dirname(os.path.dirname(pymodbus.__file__)))"
    )

    def run_probe(argv: list[str], probe_env: Mapping[str, str]) -> list[str] | None:
        try:
            res = subprocess.run(
                [*argv, "-c", probe],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
                env=dict(probe_env),
            )
        except OSError:
            return None
        lines = res.stdout.splitlines()
        return lines if res.returncode == 0 and len(lines) == 3 else None

    mine = run_probe([python], dict(os.environ))
    if mine is None:
        venv = REPO_ROOT / ".venv" / "bin" / "python"
        hint = f" (the project's venv: --python {venv})" if venv.exists() else ""
        raise LabError(
            f"pymodbus is not importable by {python} (needed for the ot host's Modbus server):"
            f" install it with `{python} -m pip install pymodbus=={PYMODBUS_VERSION}`, or pass"
            f" --python with an interpreter that has it{hint}"
        )
    version, base_prefix, site_dir = mine
    if version != PYMODBUS_VERSION:
        say(f"warning: pymodbus {version} found; the lab is known to work with {PYMODBUS_VERSION}")
    as_nobody = run_probe([*_SETPRIV_NOBODY, python], env)
    if as_nobody is not None and as_nobody[1] == base_prefix:
        return python, env
    system_python = "/usr/bin/python3"
    env = dict(env, PYTHONPATH=site_dir)
    if run_probe([*_SETPRIV_NOBODY, system_python], env) is None:
        raise LabError(
            f"user nobody cannot run {python} (is it under a directory only root can enter?),"
            f" nor {system_python} with pymodbus from {site_dir} (readable by nobody?)"
        )
    return system_python, env


def modbus(python: str) -> DaemonSpec:
    """The ot host's Modbus server on port 502, as nobody (see :func:`_modbus_runtime`)."""
    interpreter, env = _modbus_runtime(python)
    return DaemonSpec(
        "modbus",
        (
            *_SETPRIV_NOBODY,
            interpreter,
            "-s",
            str(MODBUS_SERVER_SCRIPT),
            "--host",
            OT_ADDR,
            "--port",
            "502",
        ),
        env,
    )
