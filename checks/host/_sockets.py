"""The listening sockets of an audited host, read from ``ss`` or ``/proc/net``, and whether
others can reach them.

:func:`parse_ss` reads ``ss -H -tuln[p]`` (numeric, no header; with ``-p`` the processes);
:func:`parse_proc` reads one ``/proc/net/{tcp,udp}[6]`` table, whose hex addresses are 32-bit
words in little-endian order (x86, ARM). A line of any other shape raises ``Inconclusive``: a
listener missed in garbled output would be a silent pass. :func:`reachable` tells the sockets
others can reach (a wildcard, the audited address, any address that is not loopback) from
local-only ones (loopback, or scoped to ``lo``).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from scanner.api import Inconclusive

SS_LINE = re.compile(r"^(tcp|udp)\s+(\S+)\s+\d+\s+\d+\s+(\S+)\s+\S+(?:\s+(.*))?$")
SS_PROCESS = re.compile(r'\("((?:[^"\\]|\\.){1,64})",pid=\d+')
PROC_LINE = re.compile(
    r"^\s*\d+:\s+([0-9A-Fa-f]{8,32}):([0-9A-Fa-f]{4})\s+\S+\s+([0-9A-Fa-f]{2})\s"
)
WILDCARDS = ("*", "0.0.0.0", "::")  # noqa: S104 - addresses read, never bound
PROC_LISTENING = {"tcp": "0A", "udp": "07"}  # TCP_LISTEN; unconnected UDP (TCP_CLOSE)


@dataclass(frozen=True)
class Socket:
    """One listening socket: protocol, local address (with ``%iface`` scope), port, processes."""

    protocol: str
    address: str
    port: int
    processes: tuple[str, ...] = ()


def _split_address(local: str) -> tuple[str, int]:
    host, sep, port = local.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ValueError(local)
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host, int(port)


def parse_ss(text: str) -> list[Socket]:
    """Sockets of ``ss -H -tuln[p]`` output; Inconclusive on a line of another shape."""
    sockets = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = SS_LINE.match(line.strip())
        if match is None:
            raise Inconclusive(f"ss printed an unreadable line: {line[:120]!r}")
        protocol, _state, local, rest = match.groups()
        try:
            address, port = _split_address(local)
        except ValueError:
            raise Inconclusive(f"ss printed an unreadable address: {local[:80]!r}") from None
        processes = tuple(dict.fromkeys(SS_PROCESS.findall(rest or "")))
        sockets.append(Socket(protocol, address, port, processes))
    return sockets


def _hex_address(raw: str) -> str:
    """A /proc/net address (32-bit words in little-endian order) as text."""
    data = bytes.fromhex(raw)
    swapped = b"".join(data[i : i + 4][::-1] for i in range(0, len(data), 4))
    return str(ipaddress.ip_address(swapped))


def parse_proc(text: str, protocol: str) -> list[Socket]:
    """Listening sockets of one /proc/net/{tcp,udp}[6] table; Inconclusive on garbage."""
    sockets = []
    for line in text.splitlines():
        if not line.strip() or line.strip().startswith("sl "):
            continue
        match = PROC_LINE.match(line)
        if match is None or len(match.group(1)) not in (8, 32):
            raise Inconclusive(f"/proc/net/{protocol} has an unreadable line: {line[:120]!r}")
        raw, port, state = match.groups()
        if state.upper() == PROC_LISTENING[protocol.removesuffix("6")]:
            sockets.append(Socket(protocol.removesuffix("6"), _hex_address(raw), int(port, 16)))
    return sockets


def reachable(address: str, own: str) -> bool:
    """Whether a socket on ``address`` can be reached from outside the host (see docstring)."""
    host, _, scope = address.partition("%")
    if scope == "lo":
        return False
    if host in WILDCARDS:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        raise Inconclusive(f"listening address {address[:80]!r} is not an IP address") from None
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    ip = mapped or ip
    try:
        if ip == ipaddress.ip_address(own):
            return True
    except ValueError:
        pass  # a target named by something other than an address: no own-address match
    return not ip.is_loopback
