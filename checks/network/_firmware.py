"""Industrial device identities as NVD's CPE names: the table that maps what a device says
about itself (vendor, order code or product name, model, firmware) to the vendor and product
names NVD's CPE configurations use, so the firmware can be matched against NVD's ranges.

Devices name themselves in their own words: an S7 CPU gives its order code
``6ES7 315-2EH14-0AB0`` and module name ``CPU 315-2 PN/DP``, NVD says
``cpe:2.3:o:siemens:simatic_s7-300_cpu_firmware`` (the family) and
``cpe:2.3:o:siemens:simatic_s7-300_cpu_315-2_pn\\/dp_firmware`` (the model). The table is
data, read top down:

- ``VENDORS``: the vendor text a protocol reports (S7: always Siemens; EtherNet/IP: the CIP
  vendor id's name, 1 = ``Rockwell Automation/Allen-Bradley``; BACnet: the vendor-name
  property; OPC UA: BuildInfo's manufacturerName; Modbus: VendorName; DNP3: the vendor
  attribute), lower-cased, to NVD's vendor name.
- ``RULES``: a vendor, a field of the identity record and a pattern; every rule that matches
  adds its NVD product names (templates filled from the pattern's named groups, lower-cased,
  spaces as ``_``).
- No rule matched: the device's own names, normalised, are the guess NVD uses for most
  devices: ``o:VENDOR:PRODUCT_firmware`` for a device's firmware, ``a:VENDOR:PRODUCT`` for
  software (an OPC UA server). NVD seldom spells a product exactly as the device does, so an
  unmapped product is rarely matched: add a rule here when an inspection meets one.

A firmware version is the device's own (``V3.2.6`` read as ``3.2.6``), compared with NVD's
bounds by the same ordering as other upstream versions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The vendor text a device reports (lower-cased) -> NVD's vendor name.
VENDORS = {
    "siemens": "siemens",
    "siemens ag": "siemens",
    "rockwell automation/allen-bradley": "rockwellautomation",
    "rockwell automation": "rockwellautomation",
    "allen-bradley": "rockwellautomation",
    "schneider electric": "schneider-electric",
    "schneider automation": "schneider-electric",
    "omron corporation": "omron",
    "omron": "omron",
    "mitsubishi electric": "mitsubishielectric",
    "mitsubishi electric corporation": "mitsubishielectric",
    "johnson controls": "johnsoncontrols",
    "johnson controls, inc.": "johnsoncontrols",
    "honeywell": "honeywell",
    "abb": "abb",
    "moxa": "moxa",
    "phoenix contact": "phoenixcontact",
    "wago": "wago",
    "beckhoff automation": "beckhoff",
    "delta controls": "deltacontrols",
    "tridium": "tridium",
    "unified automation": "unified-automation",
    "prosys opc": "prosysopc",
}


@dataclass(frozen=True)
class Rule:
    """One row of the table.

    Attributes:
        vendor: NVD's vendor name the device's vendor maps to (``VENDORS``).
        field: the identity record's field the pattern reads (``product``, ``model``).
        pattern: a regular expression, searched in that field (case-insensitive).
        names: NVD ``part:vendor:product`` names, ``{group}`` filled from the pattern.
    """

    vendor: str
    field: str
    pattern: str
    names: tuple[str, ...]


#: Siemens order codes (MLFB) 6ES7 31x/41x/21x/51x are S7-300/400/1200/1500 CPUs; the SZL's
#: module name gives the model NVD names some advisories by. Rockwell's catalogue numbers
#: (``1756-L61/B LOGIX5561``: the controller 1756-L61, series B) are NVD's product names.
RULES = (
    Rule("siemens", "product", r"^6ES7 ?31\d-", ("o:siemens:simatic_s7-300_cpu_firmware",)),
    Rule("siemens", "product", r"^6ES7 ?41\d-", ("o:siemens:simatic_s7-400_cpu_firmware",)),
    Rule("siemens", "product", r"^6ES7 ?21\d-", ("o:siemens:simatic_s7-1200_cpu_firmware",)),
    Rule("siemens", "product", r"^6ES7 ?51\d-", ("o:siemens:simatic_s7-1500_cpu_firmware",)),
    Rule(
        "siemens",
        "model",
        r"^CPU (?P<cpu>3\d\d\w*(?:-\w+)?(?: [A-Z/]+)?)$",
        ("o:siemens:simatic_s7-300_cpu_{cpu}_firmware",),
    ),
    Rule(
        "rockwellautomation",
        "product",
        r"^(?P<catalog>\d{4}-[A-Z]+\d+[A-Z]*)(?:/[A-Z])?\b",
        ("o:rockwellautomation:{catalog}_firmware",),
    ),
)


@dataclass(frozen=True)
class Cpe:
    """One NVD name to match: CPE part (``o``, ``a``, ``h``), vendor and product."""

    part: str
    vendor: str
    product: str

    def name(self, version: str) -> str:
        """The CPE 2.3 formatted string at ``version`` (``*`` when empty)."""
        escaped = [_escape(p) for p in (self.vendor, self.product, version or "*")]
        return f"cpe:2.3:{self.part}:{':'.join(escaped)}:*:*:*:*:*:*:*"


def _normal(text: str) -> str:
    return re.sub(r"\s+", "_", text.strip().lower())


def _escape(text: str) -> str:
    return re.sub(r"([^a-z0-9._*\-])", r"\\\1", text) if text != "*" else text


def nvd_vendor(vendor: str) -> str:
    """NVD's vendor name for the vendor text a device reports; its own name normalised when
    the table does not know it."""
    key = vendor.strip().lower()
    return VENDORS.get(key, re.sub(r"[^a-z0-9._-]+", "_", key).strip("_"))


def cpes(
    vendor_text: str, product: str, model: str = "", *, software: bool = False
) -> tuple[Cpe, ...]:
    """The NVD names a device's vendor, product (order code, product name) and model map to,
    most specific last; ``software``: the product is software (an OPC UA server), not a
    device's firmware. Empty without a vendor and product.

    >>> [c.product for c in cpes("Siemens", "6ES7 315-2EH14-0AB0", "CPU 315-2 PN/DP")]
    ['simatic_s7-300_cpu_firmware', 'simatic_s7-300_cpu_315-2_pn/dp_firmware']
    """
    vendor = nvd_vendor(vendor_text)
    if not vendor or not product.strip():
        return ()
    fields = {"product": product, "model": model}
    found: list[Cpe] = []
    for rule in RULES:
        if rule.vendor != vendor:
            continue
        match = re.search(rule.pattern, fields[rule.field], re.IGNORECASE)
        if match is None:
            continue
        groups = {k: _normal(v) for k, v in match.groupdict().items() if v}
        for name in rule.names:
            part, nvd, filled = name.format(**groups).split(":", 2)
            if (cpe := Cpe(part, nvd, filled)) not in found:
                found.append(cpe)
    if found:
        return tuple(found)
    if software:
        return (Cpe("a", vendor, _normal(product)),)
    return (Cpe("o", vendor, f"{_normal(product)}_firmware"),)


def firmware_version(version: str) -> str:
    """A version as NVD writes it: ``V3.2.6`` and ``v3.2.6`` are ``3.2.6``.

    >>> firmware_version("V3.2.6")
    '3.2.6'
    """
    return re.sub(r"^[vV](?=\d)", "", version.strip())
