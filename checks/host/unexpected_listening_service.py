"""A service listens on the host that the asset does not declare.

Every listening socket is a way in; the ones nobody declared are the forgotten test daemons,
debug ports and agents that no one patches. Seen from inside, the check also finds what a
network scan misses (a firewall in the way, a UDP service that never answers). It lists the
host's listening TCP sockets and bound UDP sockets and compares their ports with the asset's
``expected_services`` (``22/tcp`` ...). An asset that declares none is not applicable.

Only sockets others can reach count: those bound to a wildcard address (``0.0.0.0``, ``::``,
``*``), to the audited address itself, or to any other address that is not loopback. Sockets on
other loopback addresses (``127.0.0.0/8``, ``::1``) or scoped to the ``lo`` interface
(``127.0.0.53%lo``) are local-only and not reported. One finding per port and protocol, at
location ``PORT/PROTOCOL``, naming the addresses and, when known, the processes.

Sources, first that works: ``ss -H -tulnp`` under sudo (processes known), ``ss -H -tuln``,
then ``/proc/net/tcp``, ``tcp6``, ``udp`` and ``udp6`` (hex addresses read as little-endian, as
on x86 and ARM; processes unknown). Truncated or unrecognised output is inconclusive, and so is
a listing without a single listening socket (the SSH server itself listens).

Commands run (read-only): ``ss -H -tulnp`` (sudo), ``ss -H -tuln``, ``cat /proc/net/tcp``,
``cat /proc/net/tcp6``, ``cat /proc/net/udp``, ``cat /proc/net/udp6``.

Sample evidence::

    9099/tcp is listening on 127.0.10.5 (process python3) but the asset declares only 22/tcp
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._sockets import Socket, parse_proc, parse_ss, reachable
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    Inconclusive,
    Mode,
    NotApplicable,
    OnsiteTarget,
    Severity,
    one_line,
)

SS_PROCESSES = "ss -H -tulnp"
SS = "ss -H -tuln"
PROC = {
    "tcp": "cat /proc/net/tcp",
    "tcp6": "cat /proc/net/tcp6",
    "udp": "cat /proc/net/udp",
    "udp6": "cat /proc/net/udp6",
}


def _order(location: str) -> tuple[str, int]:
    port, _, protocol = location.partition("/")
    return protocol, int(port)


class UnexpectedListeningService(Check):
    id = "host.unexpected-listening-service"
    title = "A service listens that the asset does not declare"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-1125", "MLPS-8.1.4.4b", "CSL-21")
    remediation = (
        "Stop and disable services the host does not need (systemctl disable --now UNIT, or "
        "uninstall them), bind local-only services to 127.0.0.1; if the service is meant to be "
        "there, add it to the asset's expected_services in the inventory."
    )
    commands = (f"sudo {SS_PROCESSES}", SS, *PROC.values())

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        if not target.expected_services:
            raise NotApplicable("the asset declares no expected services")
        expected = {s.strip().lower() for s in target.expected_services}
        listening = self._sockets(target, ctx)
        if not listening:
            raise Inconclusive(
                "no listening socket was listed, not even the SSH server's: output not understood"
            )
        ports: dict[str, list[Socket]] = {}
        for sock in listening:
            if reachable(sock.address, target.address):
                ports.setdefault(f"{sock.port}/{sock.protocol}", []).append(sock)
        declared = ", ".join(target.expected_services)
        for location, socks in sorted(ports.items(), key=lambda item: _order(item[0])):
            if location in expected:
                continue
            addresses = sorted({one_line(s.address, 60) for s in socks})
            processes = sorted({one_line(p, 40) for s in socks for p in s.processes})
            known = f" (process {', '.join(processes)})" if processes else ""
            yield self.finding(
                target,
                f"{location} is listening on {', '.join(addresses)}{known} but the asset "
                f"declares only {declared}",
                location=location,
                detail={"addresses": addresses, "processes": processes},
            )

    @staticmethod
    def _sockets(target: OnsiteTarget, ctx: CheckContext) -> list[Socket]:
        """Listening sockets from the first source that works (see the module docstring)."""
        for command, root in ((SS_PROCESSES, True), (SS, False)):
            result = ctx.ssh_run(target, command, root=root)
            if result.truncated:
                raise Inconclusive(f"`{command}` output was cut at the size limit")
            if result.exit_status == 0:
                return parse_ss(result.text)
        sockets: list[Socket] = []
        for protocol, command in PROC.items():
            result = ctx.ssh_run(target, command)
            if result.truncated:
                raise Inconclusive(f"/proc/net/{protocol} was cut at the size limit")
            if result.exit_status == 0:
                sockets += parse_proc(result.text, protocol)
            elif protocol in ("tcp", "udp"):  # tcp6/udp6 are absent without IPv6
                raise Inconclusive(f"neither ss nor /proc/net/{protocol} could be read")
        return sockets
