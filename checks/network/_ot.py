"""What the industrial-protocol checks share: the device identity record and its severity.

Every ``net.*-exposed`` check of an industrial protocol puts the device's identity in its
finding's ``detail["device"]`` in one shape, so the notice's device inventory and vulnerability
matching read every protocol alike:

``protocol``, ``vendor``, ``product``, ``version`` (firmware or software), ``serial`` and
``cpe`` (a CPE 2.3-like name built from vendor, product and version, for matching against
vulnerability feeds; empty when the vendor or product is unknown), plus protocol-specific
extras.
"""

from __future__ import annotations

import re

from scanner.api import Exposure, ServiceTarget, Severity


def _cpe_part(text: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "_", text.strip().lower()).strip("_") or "*"


def device(
    protocol: str,
    *,
    vendor: str = "",
    product: str = "",
    version: str = "",
    serial: str = "",
    part: str = "h",
    **extra: str,
) -> dict[str, str]:
    """The identity record of a device (see the module docstring)."""
    cpe = ""
    if vendor and product:
        cpe = (
            f"cpe:2.3:{part}:{_cpe_part(vendor)}:{_cpe_part(product)}:"
            f"{_cpe_part(version) if version else '*'}:*:*:*:*:*:*:*"
        )
    record = {
        "protocol": protocol,
        "vendor": vendor,
        "product": product,
        "version": version,
        "serial": serial,
        "cpe": cpe,
    }
    record.update({k: v for k, v in extra.items() if v})
    return record


def describe(record: dict[str, str]) -> str:
    """The identity as evidence text: ``vendor='...', product='...', version='...'``."""
    shown = [(k, record[k]) for k in ("vendor", "product", "version", "serial") if record.get(k)]
    return ", ".join(f"{k}={v!r}" for k, v in shown) or "no identity given"


def exposed_severity(target: ServiceTarget) -> Severity:
    """Critical when the asset faces the internet, high otherwise (as for Modbus)."""
    return Severity.CRITICAL if target.exposure == Exposure.INTERNET else Severity.HIGH
