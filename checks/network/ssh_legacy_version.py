"""SSH server speaks protocol 1 or runs an outdated OpenSSH or Dropbear.

SSH protocol 1 is broken (CRC-32 compensation attack, session hijacking) and servers announcing
it, alone (``SSH-1.5``) or next to protocol 2 (``SSH-1.99``), still accept it. Old server
releases carry known flaws (user enumeration, pre-authentication memory corruption) and lack
modern algorithms. The check sends its identification to each service discovery names ``ssh``
and reads the server's banner line (RFC 4253 section 4.2); nothing else is sent. It reports
protocol 1, OpenSSH older than the ``min_openssh`` setting (default ``8.0``) and Dropbear older
than the ``min_dropbear`` setting (default ``2020.79``), compared on the numbers of the banner
only: distributions backport fixes without changing them (``OpenSSH_7.4p1 Debian-10+deb9u7``),
so an old version is a lead to verify with the vendor's advisories, not proof of a flaw. Other
SSH implementations are judged on the protocol version only. A port that does not speak SSH is
not applicable; one that stays silent is inconclusive.

Sample evidence::

    SSH-1.99-OpenSSH_7.4p1: protocol 1 accepted (SSH-1.99); OpenSSH 7.4 is older than 8.0
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Finding,
    Inconclusive,
    NotApplicable,
    ServiceTarget,
    Severity,
    one_line,
)

OUR_BANNER = b"SSH-2.0-scanner_probe\r\n"
BANNER = re.compile(r"^SSH-(?P<proto>\d+\.\d+)-(?P<software>\S+)")
OPENSSH = re.compile(r"^OpenSSH_(\d+)\.(\d+)", re.IGNORECASE)
DROPBEAR = re.compile(r"^dropbear_(\d+)\.(\d+)", re.IGNORECASE)


def version(text: str) -> tuple[int, ...]:
    """``"8.0"`` -> ``(8, 0)``; ValueError when a part is not a number."""
    return tuple(int(part) for part in text.split("."))


def assess(banner: str, min_openssh: str = "8.0", min_dropbear: str = "2020.79") -> list[str]:
    """What is legacy about an SSH identification line: a list of reasons, empty when nothing.

    >>> assess("SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7")
    ['OpenSSH 7.4 is older than 8.0']
    """
    match = BANNER.match(banner)
    if match is None:
        raise ValueError(f"not an SSH identification line: {banner!r}")
    reasons: list[str] = []
    proto, software = match["proto"], match["software"]
    if proto == "1.99":
        reasons.append("protocol 1 accepted (SSH-1.99)")
    elif proto.startswith("1."):
        reasons.append(f"protocol 1 only (SSH-{proto})")
    if found := OPENSSH.match(software):
        have = (int(found[1]), int(found[2]))
        if have < version(min_openssh):
            reasons.append(f"OpenSSH {found[1]}.{found[2]} is older than {min_openssh}")
    elif found := DROPBEAR.match(software):
        have = (int(found[1]), int(found[2]))
        if have < version(min_dropbear):
            reasons.append(f"Dropbear {found[1]}.{found[2]} is older than {min_dropbear}")
    return reasons


class SshLegacyVersion(Check):
    id = "net.ssh-legacy-version"
    title = "SSH server speaks protocol 1 or runs an outdated version"
    family = "network"
    severity = Severity.MEDIUM
    applies_to = AppliesTo(services=("ssh",))
    references = ("CWE-1104", "CWE-327", "MLPS-8.1.4.4e", "CSL-21")
    remediation = (
        "Disable SSH protocol 1 and upgrade the SSH server to a supported release (OpenSSH 8.0 "
        "or later, Dropbear 2020.79 or later, or the vendor's current firmware); keep it patched "
        "with the distribution's security updates."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        data = b""
        with ctx.connect(target.address, target.service.port, read_limit=65536) as conn:
            conn.send(OUR_BANNER)
            while not re.search(rb"(^|\n)SSH-[^\n]*\n", data) and len(data) < 8192:
                try:  # lines before the banner are allowed (RFC 4253): read until it is whole
                    chunk = conn.recv(4096, timeout=min(5.0, ctx.remaining()))
                except TimeoutError:
                    break
                if not chunk:
                    break
                data += chunk
        lines = [line.rstrip(b"\r") for line in data.split(b"\n")]
        banner = next((line for line in lines if line.startswith(b"SSH-")), b"")
        text = banner.decode("ascii", "replace")[:255]
        if not BANNER.match(text):
            if not data:
                raise Inconclusive("the port accepted a connection but sent no SSH banner")
            raise NotApplicable(f"the service does not speak SSH: {one_line(lines[0], 120)!r}")
        reasons = assess(
            text,
            str(ctx.setting("min_openssh", "8.0")),
            str(ctx.setting("min_dropbear", "2020.79")),
        )
        if reasons:
            yield self.finding(
                target, f"{text}: {'; '.join(reasons)}", detail={"banner": text, "reasons": reasons}
            )
