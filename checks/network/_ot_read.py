"""Each industrial protocol's identification read, collected once per run and service, and the
device identity record built from it.

The ``net.*-exposed`` checks report what these reads return, and ``net.vulnerable-firmware``
matches the firmware they name against NVD: both ask through ``ctx.collect`` with the same
key, so the device sees the declared read-only requests once per run, from whichever check
asks first (the exposure checks, in practice: they sort before it). A read that failed is
remembered too and re-raised to the second check, so a dead port is not asked twice.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from checks.network._ot import device
from checks.protocols import bacnet, dnp3, enip, modbus, opcua, s7
from scanner.api import CheckContext, ServiceTarget

#: Declared by any check that may be the first to ask for an identity.
REQUESTS = {
    **s7.REQUESTS,
    **enip.REQUESTS,
    **bacnet.REQUESTS,
    **dnp3.REQUESTS,
    **modbus.REQUESTS,
    **opcua.REQUESTS_ANONYMOUS,
}
#: The default link addresses a DNP3 master tries (setting ``addresses``).
DNP3_ADDRESSES = (1, 10, 1024)


def _key(protocol: str, target: ServiceTarget, *more: object) -> tuple[object, ...]:
    return ("ot-identity", protocol, target.address, target.service.port, *more)


def s7_identity(target: ServiceTarget, ctx: CheckContext) -> s7.S7Identity:
    """The CPU's module and component identification, over the first TSAP it confirms (one
    connection per TSAP)."""

    def read() -> s7.S7Identity:
        where, port = target.address, target.service.port
        for tsap in s7.TSAPS[:-1]:
            with (
                ctx.connect(where, port, timeout=5.0, read_limit=8192) as conn,
                contextlib.suppress(s7.NotConfirmed),
            ):
                return s7.identify(conn, ctx.request, where, tsap)
        with ctx.connect(where, port, timeout=5.0, read_limit=8192) as conn:
            return s7.identify(conn, ctx.request, where, s7.TSAPS[-1])

    return ctx.collect(_key("s7", target), read)


def s7_device(ident: s7.S7Identity) -> dict[str, str]:
    """The identity record of an S7 CPU: order code, firmware, module, serial, system name."""
    parts = ident.components
    return device(
        "s7",
        vendor="Siemens",
        product=ident.order_code,
        version=ident.firmware,
        serial=parts.get("serial", ""),
        model=parts.get("module_name", "") or parts.get("module_type", ""),
        name=parts.get("system_name", ""),
    )


def enip_identity(target: ServiceTarget, ctx: CheckContext) -> enip.Identity:
    """The adapter's identity object (List Identity)."""

    def read() -> enip.Identity:
        port = target.service.port
        with ctx.connect(target.address, port, timeout=5.0, read_limit=4096) as conn:
            return enip.list_identity(conn, ctx.request, target.address)

    return ctx.collect(_key("enip", target), read)


def enip_device(ident: enip.Identity) -> dict[str, str]:
    """The identity record of an EtherNet/IP adapter (its identity object)."""
    return device(
        "enip",
        vendor=ident.vendor or f"vendor {ident.vendor_id}",
        product=ident.product_name,
        version=ident.revision,
        serial=ident.serial,
        vendor_id=str(ident.vendor_id),
        device_type=str(ident.device_type),
        product_code=str(ident.product_code),
    )


def bacnet_identity(target: ServiceTarget, ctx: CheckContext) -> bacnet.Device:
    """The device object's properties (ReadPropertyMultiple, Who-Is when refused)."""

    def read() -> bacnet.Device:
        wait = min(3.0, max(0.5, ctx.remaining() / 3))
        return bacnet.read_identity(ctx, target.address, target.service.port, wait)

    return ctx.collect(_key("bacnet", target), read)


def bacnet_device(found: bacnet.Device) -> dict[str, str]:
    """The identity record of a BACnet device (its device object's properties)."""
    props = found.properties
    return device(
        "bacnet",
        vendor=props.get("vendor", ""),
        product=props.get("model", ""),
        version=props.get("firmware", ""),
        software=props.get("software_version", ""),
        name=props.get("object_name", ""),
        vendor_id=props.get("vendor_id", ""),
        instance=str(found.instance) if found.instance >= 0 else "",
    )


def dnp3_station(target: ServiceTarget, ctx: CheckContext) -> dnp3.Outstation:
    """The outstation's link status and device attributes, at the first link address of the
    check's ``addresses`` setting that answers."""
    candidates = tuple(int(a) for a in ctx.setting("addresses", DNP3_ADDRESSES))[:8]

    def read() -> dnp3.Outstation:
        port = target.service.port
        with ctx.connect(target.address, port, timeout=5.0, read_limit=8192) as conn:
            return dnp3.probe(conn, ctx.request, target.address, candidates)

    return ctx.collect(_key("dnp3", target, candidates), read)


def dnp3_device(station: dnp3.Outstation) -> dict[str, str]:
    """The identity record of a DNP3 outstation (its device attributes, often none)."""
    attrs = station.attributes
    return device(
        "dnp3",
        vendor=attrs.get("vendor", ""),
        product=attrs.get("product", "") or attrs.get("model", ""),
        version=attrs.get("software_version", ""),
        serial=attrs.get("serial", ""),
        address=str(station.address),
    )


def modbus_answer(target: ServiceTarget, ctx: CheckContext) -> tuple[int, bytes]:
    """The unit (the check's ``unit_id`` setting, default 1) and its answer PDU to Read Device
    Identification, or to Read Holding Registers when it answered that with an exception."""
    unit = int(ctx.setting("unit_id", 1))

    def read() -> bytes:
        wait = min(5.0, ctx.remaining())
        where = target.address
        with ctx.connect(where, target.service.port, read_limit=4096) as conn:
            pdu = modbus.exchange(
                conn, unit, modbus.READ_DEVICE_ID, wait, declare=ctx.request, address=where
            )
            if pdu[0] == 0x2B | 0x80:  # exception: device identification not supported
                pdu = modbus.exchange(
                    conn, unit, modbus.READ_HOLDING, wait, declare=ctx.request, address=where
                )
        return pdu

    return unit, ctx.collect(_key("modbus", target, unit), read)


def modbus_device(objects: dict[str, str]) -> dict[str, str]:
    """The identity record of a Modbus device (its basic identification objects)."""
    return device(
        "modbus",
        vendor=objects.get("VendorName", ""),
        product=objects.get("ProductCode", "") or objects.get("ModelName", ""),
        version=objects.get("MajorMinorRevision", ""),
        model=objects.get("ModelName", ""),
    )


@dataclass(frozen=True)
class OpcuaSession:
    """What an anonymous session attempt gave.

    Attributes:
        policy: the anonymous token policy id offered on an endpoint with mode None ("": none).
        info: the server's build information, None when no session was accepted.
    """

    policy: str
    info: dict[str, str] | None


def opcua_session(target: ServiceTarget, ctx: CheckContext) -> OpcuaSession:
    """Endpoints over a channel with policy None; when one with mode None offers an anonymous
    token, a session activated with it and the build information read once."""

    def read() -> OpcuaSession:
        url = f"opc.tcp://{target.address}:{target.service.port}/"
        port = target.service.port
        with ctx.connect(target.address, port, timeout=5.0, read_limit=1 << 18) as conn:
            channel = opcua.Channel(conn, ctx.request, target.address, url)
            channel.open()
            anonymous = [
                policy
                for e in channel.endpoints()
                if e.mode == "None"
                for kind, policy in e.tokens
                if kind == "anonymous"
            ]
            info = None
            if anonymous:
                with contextlib.suppress(opcua.Refused):
                    info = channel.anonymous_session(anonymous[0])
            channel.close()
        return OpcuaSession(anonymous[0] if anonymous else "", info)

    return ctx.collect(_key("opcua-session", target), read)


def opcua_device(info: dict[str, str]) -> dict[str, str]:
    """The identity record of an OPC UA server (its BuildInfo): software, not firmware."""
    return device(
        "opcua",
        vendor=info.get("manufacturer", ""),
        product=info.get("product_name", ""),
        version=info.get("software_version", ""),
        build=info.get("build_number", ""),
        product_uri=info.get("product_uri", ""),
    )
