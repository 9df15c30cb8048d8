"""Modbus/TCP server of the lab's ``ot`` host (pymodbus 3.8.6), started by ``lab.py``.

It answers read coils/discrete inputs/holding/input registers and Read Device Identification
(function 0x2B / MEI 0x0E) with the fixed values in ``lab.MODBUS_HOLDING_REGISTERS`` and
``lab.MODBUS_IDENTITY``, so tests can assert on them. Like real field devices it has no
authentication. ``lab.py`` runs it as ``nobody`` with only CAP_NET_BIND_SERVICE for port 502::

    python modbus_server.py --host 127.0.10.3 --port 502
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lab  # sibling module: the single source of the served values
from pymodbus import __version__ as pymodbus_version
from pymodbus.datastore import (
    ModbusSequentialDataBlock,
    ModbusServerContext,
    ModbusSlaveContext,
)
from pymodbus.device import ModbusDeviceIdentification
from pymodbus.server import StartTcpServer


def build_context() -> ModbusServerContext:
    """One unit (answers any unit id) whose registers 0..n hold the lab's values.

    pymodbus adds 1 to every request address, hence blocks starting at address 1.
    """
    regs = list(lab.MODBUS_HOLDING_REGISTERS)
    slave = ModbusSlaveContext(
        di=ModbusSequentialDataBlock(1, [0, 1] * 8),
        co=ModbusSequentialDataBlock(1, [1, 0] * 8),
        hr=ModbusSequentialDataBlock(1, regs),
        ir=ModbusSequentialDataBlock(1, regs),
    )
    return ModbusServerContext(slaves=slave, single=True)


def build_identity() -> ModbusDeviceIdentification:
    return ModbusDeviceIdentification(info_name=dict(lab.MODBUS_IDENTITY))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="lab Modbus/TCP server")
    parser.add_argument("--host", required=True, help="explicit address to bind (never 0.0.0.0)")
    parser.add_argument("--port", type=int, default=502)
    args = parser.parse_args(argv)
    if args.host in ("", "0.0.0.0", "::"):
        parser.error("bind an explicit address")
    logging.basicConfig(
        stream=sys.stdout, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )
    logging.info("pymodbus %s serving %s:%d", pymodbus_version, args.host, args.port)
    StartTcpServer(
        context=build_context(), identity=build_identity(), address=(args.host, args.port)
    )


if __name__ == "__main__":
    main()
