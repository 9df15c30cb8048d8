"""What the industrial-protocol checks share: the device identity record and its severity.

Every ``net.*-exposed`` check of an industrial protocol puts the device's identity in its
finding's ``detail["device"]`` in one shape, so the notice's device inventory and vulnerability
matching read every protocol alike:

``protocol``, ``vendor``, ``product``, ``version`` (firmware or software), ``serial`` and
``cpe`` (the CPE 2.3 name NVD gives the device's firmware or software at that version, from
the table in ``checks/network/_firmware.py``; empty when the vendor or product is unknown),
plus protocol-specific extras.
"""

from __future__ import annotations

from checks.network._firmware import Cpe, cpes, firmware_version
from scanner.api import Exposure, ServiceTarget, Severity


def device(
    protocol: str,
    *,
    vendor: str = "",
    product: str = "",
    version: str = "",
    serial: str = "",
    **extra: str,
) -> dict[str, str]:
    """The identity record of a device (see the module docstring)."""
    record = {
        "protocol": protocol,
        "vendor": vendor,
        "product": product,
        "version": version,
        "serial": serial,
        "cpe": "",
    }
    record.update({k: v for k, v in extra.items() if v})
    names = nvd_names(record)
    record["cpe"] = names[0].name(firmware_version(version)) if names else ""
    return record


#: Protocols whose identity names software (an OPC UA server's build), not device firmware.
SOFTWARE = ("opcua",)


def nvd_names(record: dict[str, str]) -> tuple[Cpe, ...]:
    """The NVD names of an identity record's device firmware or software (``_firmware``)."""
    return cpes(
        record.get("vendor", ""),
        record.get("product", ""),
        record.get("model", ""),
        software=record.get("protocol") in SOFTWARE,
    )


def describe(record: dict[str, str]) -> str:
    """The identity as evidence text: ``vendor='...', product='...', version='...'``."""
    shown = [(k, record[k]) for k in ("vendor", "product", "version", "serial") if record.get(k)]
    return ", ".join(f"{k}={v!r}" for k, v in shown) or "no identity given"


def exposed_severity(target: ServiceTarget) -> Severity:
    """Critical when the asset faces the internet, high otherwise (as for Modbus)."""
    return Severity.CRITICAL if target.exposure == Exposure.INTERNET else Severity.HIGH
