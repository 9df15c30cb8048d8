"""Discovery: which hosts answer and which services they offer, through python-nmap.

One nmap process scans a batch of hosts (not one process per host). Its command line is built only
from validated values (IP addresses, CIDR ranges, port numbers) and has a deadline; the XML it
writes is parsed into :class:`~scanner.core.models.Service` records that drive which checks apply.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
import tempfile
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from functools import cache
from pathlib import Path

import nmap

from scanner.core.errors import UserError
from scanner.core.models import HostScan, Service
from scanner.inventory.schema import Profile

BATCH = 256
#: nmap XML above this size is refused, not parsed: a batch of tarpits would otherwise hold
#: hundreds of megabytes of ``<port>`` elements in memory.
MAX_XML_BYTES = 64 * 1024 * 1024
NMAP_SERVICES = Path("/usr/share/nmap/nmap-services")


def nmap_arguments(
    profile: Profile,
    *,
    privileged: bool,
    timeout: float,
    sweep: bool,
    exclude: Iterable[str] = (),
    ot_rate: int | None = None,
) -> list[str]:
    """nmap's options for a profile; every value in it was validated by the inventory models.

    With ``ot_rate`` (packets per second) the options are OT-safe: the ot port list, one probe
    in flight at a time, a packet-rate ceiling and no retries.
    """
    if ot_rate is None:
        args = ["-n", "-T4", "--max-retries", "2"]
    else:
        args = ["-n", "-T3", "--max-retries", "0", "--max-parallelism", "1"]
        args += ["--max-rate", str(int(ot_rate))]
    args += ["--host-timeout", f"{int(timeout)}s"]
    args += ["-sS"] if privileged else ["-sT"]
    if profile.version_detection and ot_rate is None:  # never probes of nmap's own on ot
        args += ["-sV", "--version-light"]
    if not sweep:
        args.append("-Pn")  # declared hosts are scanned even if they drop pings
    option, value = profile.nmap_ports(ot=ot_rate is not None)
    if profile.udp_ports:
        if not privileged:
            raise UserError(
                "discovery of UDP ports (profile udp_ports) needs root privileges for nmap -sU. "
                "Fix: run as root, or remove udp_ports from the profile."
            )
        tcp = value if option == "-p" else _top_tcp_ports(int(value))
        udp = ",".join(str(p) for p in sorted(set(profile.udp_ports)))
        args += ["-sU", "-p", f"T:{tcp},U:{udp}"]
    else:
        args += [option, value]
    excluded = [str(ipaddress.ip_network(e, strict=False)) for e in exclude]
    if excluded:
        args += ["--exclude", ",".join(excluded)]
    return args


@cache
def port_names() -> dict[tuple[int, str], str]:
    """nmap's name of each (port, protocol) from its services table: what it calls a port it
    found open without version detection."""
    names: dict[tuple[int, str], str] = {}
    try:
        text = NMAP_SERVICES.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return names
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) >= 2 and "/" in fields[1]:
            port, _, proto = fields[1].partition("/")
            if port.isdigit():
                names.setdefault((int(port), proto), fields[0])
    return names


@cache
def _top_tcp_ports(count: int) -> str:
    # nmap cannot combine --top-ports with an explicit UDP list, so expand the TCP half itself
    # from nmap's own frequency table.
    ranked: list[tuple[float, int]] = []
    for line in NMAP_SERVICES.read_text(encoding="utf-8", errors="replace").splitlines():
        fields = line.split("\t")
        if len(fields) >= 3 and fields[1].endswith("/tcp"):
            ranked.append((float(fields[2]), int(fields[1].split("/")[0])))
    ranked.sort(reverse=True)
    return ",".join(str(p) for p in sorted(p for _, p in ranked[:count]))


def environment_problem(profile: Profile) -> str | None:
    """What on this machine keeps discovery from running, before a run is created."""
    if shutil.which("nmap") is None:
        return (
            "nmap was not found on PATH; discovery needs it. Fix: apt-get install nmap "
            "(make setup does this)."
        )
    if profile.udp_ports and os.geteuid() != 0:
        return (
            "discovery of UDP ports (profile udp_ports) needs root privileges for nmap -sU. "
            "Fix: run as root, or remove udp_ports from the profile."
        )
    return None


def scanner_or_error() -> nmap.PortScanner:
    """A python-nmap scanner for the nmap on PATH, or a UserError saying how to install nmap."""
    # Only PATH: python-nmap would also try fixed folders, which hides a broken PATH.
    found = shutil.which("nmap")
    try:
        if found is None:
            raise nmap.PortScannerError("nmap not on PATH")
        return nmap.PortScanner(nmap_search_path=(found,))
    except nmap.PortScannerError:
        raise UserError(
            "nmap was not found on PATH; discovery needs it. Fix: apt-get install nmap "
            "(make setup does this)."
        ) from None


def discover(
    hosts: Iterable[str],
    networks: Iterable[str],
    profile: Profile,
    *,
    timeout: float,
    exclude: Iterable[str] = (),
    in_scope: Callable[[str], bool] = lambda _a: True,
    ot: Iterable[str] = (),
    ot_rate: int = 100,
) -> dict[str, HostScan]:
    """Scan declared hosts (``-Pn``) and sweep ranges, one nmap process per batch.

    Hosts and ranges listed in ``ot`` are scanned separately with OT-safe options.
    """
    results: dict[str, HostScan] = {}
    for _targets, scans in discover_batches(
        hosts,
        networks,
        profile,
        timeout=timeout,
        exclude=exclude,
        in_scope=in_scope,
        ot=ot,
        ot_rate=ot_rate,
    ):
        results.update((scan.address, scan) for scan in scans)
    return results


#: nmap processes at once: the groups (hosts, ranges, their ot parts) and their batches run
#: side by side, so a small ot scan does not wait behind a large one.
PARALLEL = 4


def discover_batches(
    hosts: Iterable[str],
    networks: Iterable[str],
    profile: Profile,
    *,
    timeout: float,
    exclude: Iterable[str] = (),
    in_scope: Callable[[str], bool] = lambda _a: True,
    ot: Iterable[str] = (),
    ot_rate: int = 100,
    parallel: int = PARALLEL,
    on_port: OnPort | None = None,
) -> Iterator[tuple[list[str], list[HostScan]]]:
    """Each nmap batch's targets and in-scope results, as each batch ends (see
    :func:`discover`); up to ``parallel`` nmap processes run at once. With ``on_port``, each
    open port of a batch that is not OT-safe is also reported the moment nmap finds it. The
    first error (a UserError: timeout, nmap failure) is raised once the batches in flight have
    ended."""
    privileged = os.geteuid() == 0
    ot_set = set(ot)
    hosts, networks = list(hosts), list(networks)
    groups = [
        (sorted(t for t in set(targets) if (t in ot_set) == is_ot), sweep, is_ot)
        for targets, sweep in ((hosts, False), (networks, True))
        for is_ot in (False, True)
    ]
    batches: list[tuple[list[str], list[str], bool]] = []
    for targets, sweep, is_ot in groups:
        if not targets:
            continue
        args = nmap_arguments(
            profile,
            privileged=privileged,
            timeout=timeout,
            sweep=sweep,
            exclude=exclude if sweep else (),
            ot_rate=ot_rate if is_ot else None,
        )
        for start in range(0, len(targets), BATCH):
            batches.append((targets[start : start + BATCH], args, is_ot))
    if not batches:
        return
    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(batches)))) as pool:
        running = {
            (
                pool.submit(run_nmap, batch, args, timeout=timeout * 1.5 + 30)
                if on_port is None or is_ot
                else pool.submit(
                    run_nmap_streaming, batch, args, timeout=timeout * 1.5 + 30, on_port=on_port
                )
            ): batch
            for batch, args, is_ot in batches
        }
        try:
            for future in as_completed(running):
                # a range may hold addresses we must not touch
                scans = [scan for scan in future.result() if in_scope(scan.address)]
                yield running[future], scans
        finally:
            for future in running:
                future.cancel()  # those not started yet; nmap processes in flight end alone


#: What ``nmap -v`` prints the moment it finds an open port.
OPEN_PORT = re.compile(r"^Discovered open port (\d{1,5})/(tcp|udp) on (\S{1,100})\s*$")
#: A port as soon as nmap finds it open: (address, port, protocol).
OnPort = Callable[[str, int, str], None]


def run_nmap_streaming(
    targets: list[str], args: list[str], *, timeout: float, on_port: OnPort
) -> list[HostScan]:
    """Run one nmap process over ``targets`` (``-v``), calling ``on_port`` for each open port
    the moment nmap reports it (so its identification can start while the scan goes on), then
    parse the XML it wrote. The same deadline, XML cap and errors as :func:`run_nmap`."""
    for target in targets:  # defence in depth: nothing but addresses and ranges reaches nmap
        ipaddress.ip_network(target, strict=False)
    found = shutil.which("nmap")
    if found is None:
        raise UserError(
            "nmap was not found on PATH; discovery needs it. Fix: apt-get install nmap "
            "(make setup does this)."
        )
    with tempfile.TemporaryDirectory(prefix="scanner-nmap-") as tmp:
        xml_path, err_path = Path(tmp) / "scan.xml", Path(tmp) / "stderr"
        with err_path.open("wb") as err:
            proc = subprocess.Popen(  # validated arguments, no shell
                [found, "-v", "-oX", str(xml_path), *args, *targets],
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                errors="replace",
            )
            killed = threading.Event()

            def kill() -> None:  # the deadline, even while nmap prints nothing
                killed.set()
                proc.kill()

            timer = threading.Timer(timeout, kill)
            timer.start()
            try:
                assert proc.stdout is not None
                for line in proc.stdout:
                    match = OPEN_PORT.match(line[:200])
                    if match:
                        on_port(match.group(3), int(match.group(1)), match.group(2))
                code = proc.wait()
            finally:
                timer.cancel()
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        if killed.is_set():
            raise UserError(
                f"discovery did not finish within {int(timeout)} s for {len(targets)} targets. "
                "Fix: raise rate_limits.discovery_timeout or scan fewer ports."
            )
        if code != 0:
            message = err_path.read_bytes()[:2000].decode("utf-8", "replace").strip()
            raise UserError(f"nmap failed: {message}")
        size = xml_path.stat().st_size
        if size > MAX_XML_BYTES:
            raise _too_large(size, MAX_XML_BYTES)
        return parse_nmap_xml(xml_path.read_bytes())


def run_nmap(targets: list[str], args: list[str], *, timeout: float) -> list[HostScan]:
    """Run one nmap process over ``targets`` and parse its XML."""
    for target in targets:  # defence in depth: nothing but addresses and ranges reaches nmap
        ipaddress.ip_network(target, strict=False)
    scanner = scanner_or_error()
    try:
        scanner.scan(hosts=" ".join(targets), arguments=" ".join(args), timeout=int(timeout))
    except nmap.PortScannerTimeout:
        raise UserError(
            f"discovery did not finish within {int(timeout)} s for {len(targets)} targets. "
            "Fix: raise rate_limits.discovery_timeout or scan fewer ports."
        ) from None
    except nmap.PortScannerError as exc:
        raise UserError(f"nmap failed: {str(exc).strip()}") from None
    return parse_nmap_xml(scanner.get_nmap_last_output())


def _too_large(size: int, max_bytes: int) -> UserError:
    return UserError(
        f"nmap wrote {size} bytes of XML, more than the {max_bytes} discovery parses "
        "(hosts that answer on every port?). Fix: scan fewer hosts or ports per run."
    )


def parse_nmap_xml(xml: str | bytes) -> list[HostScan]:
    """HostScans from nmap's XML output (``-oX``); XML larger than MAX_XML_BYTES is refused."""
    max_bytes = MAX_XML_BYTES  # looked up at call time, so a test can lower it
    if len(xml) > max_bytes:
        raise _too_large(len(xml), max_bytes)
    root = ET.fromstring(xml)  # noqa: S314 - nmap's own output
    scans = []
    for host in root.iter("host"):
        addr = host.find("address[@addrtype='ipv4']")
        if addr is None:
            addr = host.find("address[@addrtype='ipv6']")
        status = host.find("status")
        if addr is None or status is None:
            continue
        address = addr.get("addr", "")
        services: list[Service] = []
        answered = status.get("reason") not in ("user-set", "no-response")
        for extra in host.iter("extraports"):
            answered = answered or extra.get("state") == "closed"
        for port in host.iter("port"):
            state = port.find("state")
            state_name = state.get("state", "") if state is not None else ""
            if state_name in ("open", "closed"):
                answered = True
            if state_name != "open" and not (
                port.get("protocol") == "udp" and state_name == "open|filtered"
            ):
                continue
            svc = port.find("service")
            product = " ".join(
                v
                for v in (
                    (svc.get("product", ""), svc.get("version", "")) if svc is not None else ()
                )
                if v
            )
            cpes = [c.text.strip() for c in (svc.iter("cpe") if svc is not None else ()) if c.text]
            cpe = next((c[:300] for c in cpes if c.startswith("cpe:/a:")), "")
            os_cpe = next((c[:300] for c in cpes if c.startswith("cpe:/o:")), "")
            services.append(
                Service(
                    address=address,
                    port=int(port.get("portid", "0")),
                    protocol=port.get("protocol", "tcp"),
                    name=(svc.get("name", "unknown") if svc is not None else "unknown"),
                    product=product[:400],
                    cpe=cpe,
                    os_cpe=os_cpe,
                )
            )
        if status.get("state") != "up":
            answered = False
        scans.append(HostScan(address=address, answered=answered, services=tuple(services)))
    return scans
