"""Open service not in the asset's declared expected services.

An inventory can declare, per host, the services it is meant to offer (``expected_services:
[22/tcp, 443/tcp]``). Every other open port is attack surface nobody accounted for: a forgotten
test daemon, a database bound to the wrong interface, a management agent. The check compares
what discovery found open on the host (TCP, and the UDP ports the profile scans) with that list
and reports each open service that is not on it, at its own ``port/protocol`` location, naming
the service and product discovery (and the scanner's own protocol probes) identified. It sends
nothing itself: discovery already saw the ports. An asset that declares no expected services is
not applicable; one whose open services are all declared passes.

Ports that answer on every address of a machine (a listener on ``0.0.0.0``) are reported on each
asset that resolves to that machine: declare them where they are meant to be.

Sample evidence::

    6379/tcp is open (service redis, product 'Redis 7.0.15') but the asset declares only
    22/tcp, 443/tcp
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    HostTarget,
    NotApplicable,
    Severity,
    one_line,
)


class UnexpectedService(Check):
    id = "net.unexpected-service"
    title = "Open service not in the asset's declared expected services"
    family = "network"
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.HOST, AssetKind.ONSITE))
    references = ("CWE-1125", "MLPS-8.1.4.4b", "CSL-21")
    remediation = (
        "Stop or uninstall services the host does not need, bind the ones it needs internally "
        "to internal addresses or block them at the firewall; if the service is meant to be "
        "there, add it to the asset's expected_services in the inventory."
    )

    def run(self, target: HostTarget, ctx: CheckContext) -> Iterator[Finding]:
        if not target.expected_services:
            raise NotApplicable("the asset declares no expected services")
        expected = {s.strip().lower() for s in target.expected_services}
        declared = ", ".join(target.expected_services)
        for service in sorted(target.services, key=lambda s: (s.protocol, s.port, s.address)):
            if service.location in expected:
                continue
            # a range's whole-host targets share one asset: say which address the port is on
            location = (
                f"{service.address}:{service.location}"
                if target.kind == AssetKind.NETWORK
                else service.location
            )
            product = (
                f"product {one_line(service.product, 80)!r}" if service.product else "no product"
            )
            name = one_line(service.name, 40) or "unknown"
            yield self.finding(
                target,
                f"{location} is open (service {name}, {product}) but the asset declares only "
                f"{declared}",
                location=location,
                detail={"port": service.port, "protocol": service.protocol, "service": name},
            )
