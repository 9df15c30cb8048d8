"""What an address string really reaches: literal forms, IPv6 embeddings of IPv4, reserved blocks.

The scope guard judges the host a packet ends up at, not the spelling it was given. So:

- the numeric forms the C library accepts (``127.1``, ``0x7f.0.0.1``, ``0177.0.0.1``,
  ``2130706433``) are read the way ``inet_aton`` reads them, into the address they mean;
- an IPv6 zone id (``fe80::1%lo``) names an interface, not another host, and is dropped for the
  verdict;
- IPv6 addresses that carry an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``, IPv4-compatible
  ``::a.b.c.d``, NAT64 ``64:ff9b::/96`` and ``64:ff9b:1::/48``, 6to4 ``2002::/16``) are also
  judged as that IPv4 address: Linux connects a mapped address over IPv4, and NAT64 and 6to4
  gateways forward to the embedded one.

:data:`RESERVED` lists the blocks that reach the scanner's own machine or its cloud's control plane
(loopback, "this host", link-local, metadata services); the guard refuses them unless an allowed
range lies wholly inside one (see :func:`reserved_problem`).
"""

from __future__ import annotations

import ipaddress
import re

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# inet_aton's parts: hex (0x..), octal (leading 0) or decimal; 1 to 4 of them.
_PART = r"(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)"
_NUMERIC = re.compile(rf"^{_PART}(?:\.{_PART}){{0,3}}$")

_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_COMPATIBLE = ipaddress.IPv6Network("::/96")

#: Blocks refused unless an allowed range lies wholly inside them, with why each is special.
RESERVED: tuple[tuple[Network, str], ...] = tuple(
    (ipaddress.ip_network(net), why)
    for net, why in (
        ("0.0.0.0/8", "'this host' (Linux connects it to loopback)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("169.254.169.254/32", "cloud metadata (AWS, Azure, GCP, OpenStack, DigitalOcean)"),
        ("169.254.170.2/32", "cloud metadata (AWS ECS task credentials)"),
        ("169.254.0.23/32", "cloud metadata (Tencent Cloud)"),
        ("100.100.100.200/32", "cloud metadata (Alibaba Cloud)"),
        ("192.0.0.192/32", "cloud metadata (Oracle Cloud)"),
        ("::/128", "unspecified (Linux connects it to loopback)"),
        ("::1/128", "loopback"),
        ("fe80::/10", "link-local"),
        ("fd00:ec2::254/128", "cloud metadata (AWS IPv6)"),
    )
)


def parse_literal(text: str) -> Address | None:
    """The address ``text`` spells (standard, zone-id or inet_aton numeric form), else None."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if not _NUMERIC.match(text):
        return None
    values = [_int(part) for part in text.split(".")]
    # inet_aton: the last part fills all the bytes the earlier ones leave.
    last_bits = 8 * (5 - len(values))
    if any(v > 255 for v in values[:-1]) or values[-1] >= 1 << last_bits:
        return None
    number = values[-1]
    for index, value in enumerate(values[:-1]):
        number |= value << (24 - 8 * index)
    return ipaddress.IPv4Address(number)


def _int(part: str) -> int:
    if part[:2].lower() == "0x":
        return int(part[2:], 16)
    if part[0] == "0":
        return int(part, 8)
    return int(part, 10)


def forms(address: Address) -> list[Address]:
    """``address`` without its zone id, then the IPv4 address it carries, if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return [address]
    bare = ipaddress.IPv6Address(int(address))  # drops the zone id
    embedded = embedded_ipv4(bare)
    return [bare, embedded] if embedded else [bare]


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address packets to ``address`` reach, when it carries one."""
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if any(address in net for net in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour:
        return address.sixtofour
    if address in _COMPATIBLE and int(address) > 1:  # not :: or ::1
        return ipaddress.IPv4Address(int(address))
    return None


def reached(address: Address) -> Address:
    """The host ``address`` ends up at: its embedded IPv4 address, else itself (zone dropped)."""
    return forms(address)[-1]


def normalized_network(net: Network) -> Network:
    """A range written in an IPv6 embedding of IPv4 (mapped, compatible, NAT64 /96), as IPv4."""
    if isinstance(net, ipaddress.IPv6Network) and net.prefixlen >= 96:
        first = embedded_ipv4(net.network_address)
        inside = any(net.subnet_of(n) for n in (_MAPPED, _NAT64[0], _COMPATIBLE))
        if first is not None and inside:
            return ipaddress.ip_network(f"{first}/{net.prefixlen - 96}")
    return net


def reserved_problem(address: Address, allow: list[Network]) -> str | None:
    """Why ``address`` is refused as reserved, or None (an allowed range that contains it and
    lies wholly inside the reserved block is the explicit consent; 0.0.0.0/0 is not)."""
    for form in forms(address):
        for block, why in RESERVED:
            if form in block and not any(form in net and inside(net, block) for net in allow):
                return (
                    f"{form} is {why} ({block}), refused unless an allowed range inside "
                    f"{block} names it"
                )
    return None


def unconsented_reserved(allow: list[Network]) -> list[Network]:
    """The parts of reserved blocks no allowed range consents to (for nmap's ``--exclude``)."""
    parts: list[Network] = []
    for block, _why in RESERVED:
        remaining = [block]
        for net in allow:
            if inside(net, block):
                remaining = [rest for part in remaining for rest in _minus(part, net)]
        parts += remaining
    return list(dict.fromkeys(parts))


def inside(net: Network, block: Network) -> bool:
    """True when range ``net`` lies wholly inside ``block`` (ranges of another family never do)."""
    return net.version == block.version and net.subnet_of(block)  # type: ignore[arg-type]


def _minus(part: Network, net: Network) -> list[Network]:
    if part.version != net.version or not part.overlaps(net):
        return [part]
    if part.subnet_of(net):  # type: ignore[arg-type]
        return []
    return list(part.address_exclude(net))  # type: ignore[arg-type]
