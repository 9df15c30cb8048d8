"""The ot-plant hosts' industrial servers (one protocol per process), started by ``lab.py``.

Each runs a maintained implementation of its protocol, serves the fixed identity in
``lab.OT_IDENTITIES`` and logs every request it receives, as the server itself decoded it, as one
``REQUEST <protocol> <code> <name>`` line on stdout (the daemon's log): tests read these lines to
show that no write or control request ever reached a server::

    python ot_server.py s7 --host 127.0.10.30 --port 102

- s7: python-snap7's pure-Python S7 server (its own request parser decides the function code);
- iec104: c104's server (its raw-message callback, the ASDU type id);
- dnp3: dnp3py's outstation (its application-layer function code);
- bacnet: bacpypes3's application (the APDU class it decoded);
- enip: cpppo's EtherNet/IP server (the encapsulation command);
- opcua: asyncua's server (the service request's encoding node id).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lab  # sibling module: the single source of the served identities

LOG = logging.getLogger("ot-server")


def request(protocol: str, code: int | str, name: str) -> None:
    print(f"REQUEST {protocol} {code} {name}", flush=True)


def serve_s7(host: str, port: int) -> None:
    import struct

    from snap7.server import Server

    ident = lab.OT_IDENTITIES["s7"]

    class LabServer(Server):  # type: ignore[misc]
        def _process_request(self, data: bytes, client: Any) -> Any:
            parsed = self._parse_request(data)
            params = parsed.get("parameters") or {}
            if parsed.get("pdu_type") == 0x07:
                raw = parsed.get("raw_parameters", b"")
                code = f"userdata-{raw[5]:#04x}-{raw[6]:#04x}" if len(raw) >= 8 else "userdata"
                request("s7", code, "userdata")
            else:
                fc = params.get("function_code") if isinstance(params, dict) else None
                request("s7", f"{fc:#04x}" if isinstance(fc, int) else "none", "job")
            return super()._process_request(data, client)

        def _get_szl_data(self, szl_id: int, szl_index: int) -> Any:
            if szl_id == 0x0011:
                major, minor, patch = (int(x) for x in ident["firmware"].split("."))
                order = ident["order_code"].encode().ljust(20)
                records = [
                    struct.pack(">H", 1) + order + b"\x00\x01\x00\x00\x00\x00",
                    struct.pack(">H", 6) + order + b"\x00\x01\x00\x00\x00\x00",
                    struct.pack(">H", 7) + b" " * 20 + bytes([0, 0xC3, 0x56, major, minor, patch]),
                ]
                return struct.pack(">HH", 28, len(records)) + b"".join(records)
            if szl_id == 0x001C:
                # records 1-5 and 7, in order, as an S7-300 sends them
                texts = {
                    1: ident["system_name"],
                    2: ident["module_name"],
                    3: ident["plant_id"],
                    4: ident["copyright"],
                    5: ident["serial"],
                    7: ident["module_name"],
                }
                records = [
                    struct.pack(">H", i) + t.encode().ljust(32, b"\x00") for i, t in texts.items()
                ]
                return struct.pack(">HH", 34, len(records)) + b"".join(records)
            return super()._get_szl_data(szl_id, szl_index)

    server = LabServer(log=False)
    server.host = host
    server.start(tcp_port=port)
    LOG.info("S7 server on %s:%d", host, port)
    threading.Event().wait()


def serve_iec104(host: str, port: int) -> None:
    import c104

    ident = lab.OT_IDENTITIES["iec104"]
    server = c104.Server(ip=host, port=port, tick_rate_ms=100)
    station = server.add_station(common_address=int(ident["common_address"]))
    for ioa in range(1, 6):
        point = station.add_point(io_address=ioa, type=c104.Type.M_ME_NC_1)
        point.value = 230.0 + ioa
    station.add_point(io_address=100, type=c104.Type.M_SP_NA_1)
    station.add_point(io_address=200, type=c104.Type.C_SC_NA_1)  # a breaker control point

    def on_raw(server: Any, data: bytes) -> None:
        if len(data) >= 7 and data[2] & 1 == 0:
            request("iec104", data[6], "i-frame")
        else:
            request("iec104", f"{data[2]:#04x}" if len(data) > 2 else "?", "u/s-frame")

    # c104 checks the callback's annotations as objects (this module's are strings).
    on_raw.__annotations__ = {"server": c104.Server, "data": bytes, "return": None}
    server.on_receive_raw(callable=on_raw)
    server.start()
    LOG.info("IEC 104 server on %s:%d", host, port)
    threading.Event().wait()


def serve_dnp3(host: str, port: int) -> None:
    from dnp3.outstation.config import OutstationConfig
    from dnp3.outstation.outstation import Outstation
    from dnp3.outstation.tcp_runner import OutstationTcpRunner

    ident = lab.OT_IDENTITIES["dnp3"]
    original = Outstation.process_request

    def logged(self: Any, data: bytes, **kwargs: Any) -> Any:
        request("dnp3", data[1] if len(data) > 1 else "?", "application")
        return original(self, data, **kwargs)

    Outstation.process_request = logged  # type: ignore[method-assign]
    outstation = Outstation(config=OutstationConfig(address=int(ident["address"])))
    runner = OutstationTcpRunner(outstation=outstation, host=host, port=port)
    LOG.info("DNP3 outstation %s on %s:%d", ident["address"], host, port)
    asyncio.run(runner.run())


def serve_bacnet(host: str, port: int) -> None:
    from bacpypes3.app import Application
    from bacpypes3.argparse import SimpleArgumentParser

    ident = lab.OT_IDENTITIES["bacnet"]
    args = SimpleArgumentParser().parse_args(
        ["--name", ident["object_name"], "--instance", ident["instance"],
         "--address", f"{host}/32:{port}", "--vendoridentifier", ident["vendor_id"]]
    )  # fmt: skip
    original = Application.indication

    async def logged(self: Any, apdu: Any) -> Any:
        request("bacnet", getattr(apdu, "apduService", "?"), type(apdu).__name__)
        return await original(self, apdu)

    Application.indication = logged  # type: ignore[method-assign]

    async def main() -> None:
        app = Application.from_args(args)
        device = app.device_object
        device.vendorName = ident["vendor"]
        device.modelName = ident["model"]
        device.firmwareRevision = ident["firmware"]
        device.applicationSoftwareVersion = ident["software_version"]
        LOG.info("BACnet device %s on %s:%d/udp", ident["instance"], host, port)
        await asyncio.Future()

    asyncio.run(main())


def serve_enip(host: str, port: int, state_dir: str) -> None:
    from cpppo.server.enip import logix
    from cpppo.server.enip import main as enip_main

    ident = lab.OT_IDENTITIES["enip"]
    config = Path(state_dir) / "enip.cfg"
    config.write_text(
        "[Identity]\n"
        f"Vendor Number = {ident['vendor_id']}\n"
        f"Device Type = {ident['device_type']}\n"
        f"Product Code Number = {ident['product_code']}\n"
        f"Product Revision = {ident['revision_raw']}\n"
        f"Serial Number = {ident['serial_raw']}\n"
        f"Product Name = {ident['product_name']}\n",
        encoding="utf-8",
    )
    base = logix.process  # cpppo's request processor; the server looks it up when it starts

    def logged(addr: Any, data: Any, **kwds: Any) -> Any:
        try:
            command = data["request.enip.command"]
        except (KeyError, TypeError, AttributeError):
            command = None  # the end of a connection: cpppo calls it once more without one
        if command is not None:
            request("enip", command, "encapsulation")
        return base(addr, data, **kwds)

    logix.process = logged
    sys.argv = ["enip", "--address", f"{host}:{port}", "--no-udp", "-c", str(config), "-v",
                "SCADA=INT[10]"]  # fmt: skip
    enip_main.main()


def serve_opcua(host: str, port: int, *, anonymous: bool) -> None:
    import datetime

    from asyncua import Server, ua
    from asyncua.server import uaprocessor

    ident = lab.OT_IDENTITIES["opcua"]
    original = uaprocessor.UaProcessor._process_message

    async def logged(self: Any, typeid: Any, requesthdr: Any, seqhdr: Any, body: Any) -> Any:
        request("opcua", typeid.Identifier, "service")
        return await original(self, typeid, requesthdr, seqhdr, body)

    uaprocessor.UaProcessor._process_message = logged  # type: ignore[method-assign]

    async def main() -> None:
        server = Server()
        await server.init()
        server.set_endpoint(f"opc.tcp://{host}:{port}/lab/")
        server.set_server_name(ident["application_name"])
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        tokens = [ua.AnonymousIdentityToken] if anonymous else [ua.UserNameIdentityToken]
        server.set_identity_tokens(tokens)
        await server.set_application_uri(ident["application_uri"])
        await server.set_build_info(
            ident["product_uri"], ident["manufacturer"], ident["product_name"],
            ident["software_version"], ident["build_number"], datetime.datetime(2026, 1, 1),
        )  # fmt: skip
        ns = await server.register_namespace("urn:lab:plant")
        valve = await server.nodes.objects.add_object(ns, "Valve")
        position = await valve.add_variable(ns, "Position", 42.0)
        await position.set_writable()
        async with server:
            LOG.info("OPC UA server on %s:%d (anonymous %s)", host, port, anonymous)
            while True:
                await asyncio.sleep(5)
                value = await position.read_value()
                if value != 42.0:
                    request("opcua", "write-observed", f"Position={value}")

    asyncio.run(main())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="lab industrial-protocol server")
    parser.add_argument("protocol", choices=("s7", "iec104", "dnp3", "bacnet", "enip", "opcua"))
    parser.add_argument("--host", required=True, help="explicit address to bind (never 0.0.0.0)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-dir", default=".", help="enip: where its config goes")
    parser.add_argument("--no-anonymous", action="store_true", help="opcua: username only")
    args = parser.parse_args(argv)
    if args.host in ("", "0.0.0.0", "::"):
        parser.error("bind an explicit address")
    logging.basicConfig(
        stream=sys.stdout, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )
    for noisy in ("asyncua", "bacpypes3", "snap7", "cpppo", "enip", "dnp3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    LOG.info("starting %s at %s", args.protocol, time.strftime("%H:%M:%S"))
    if args.protocol == "s7":
        serve_s7(args.host, args.port)
    elif args.protocol == "iec104":
        serve_iec104(args.host, args.port)
    elif args.protocol == "dnp3":
        serve_dnp3(args.host, args.port)
    elif args.protocol == "bacnet":
        serve_bacnet(args.host, args.port)
    elif args.protocol == "enip":
        serve_enip(args.host, args.port, args.state_dir)
    else:
        serve_opcua(args.host, args.port, anonymous=not args.no_anonymous)


if __name__ == "__main__":
    main()
