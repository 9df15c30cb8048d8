"""Telnet service exposed.

Telnet carries logins and whole sessions in clear text; anyone on the path reads the password.
The check connects to each service discovery names ``telnet``, answers the server's option
negotiation by refusing every option (so the server moves on to its login prompt), and reports
when the server negotiates the telnet protocol or presents a login prompt. It sends no
credentials. A port that stays silent is inconclusive; a port speaking another protocol is not
applicable.

Sample evidence::

    telnet negotiation: IAC DO TTYPE, IAC DO TSPEED ...; prompt: '\\r\\nweak login: '
"""

from __future__ import annotations

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

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
VERBS = {DO: "DO", DONT: "DONT", WILL: "WILL", WONT: "WONT"}
OPTIONS = {
    1: "ECHO",
    3: "SGA",
    5: "STATUS",
    24: "TTYPE",
    31: "NAWS",
    32: "TSPEED",
    33: "LFLOW",
    34: "LINEMODE",
    35: "XDISPLOC",
    36: "ENVIRON",
    39: "NEW-ENVIRON",
}


def parse(data: bytes) -> tuple[list[tuple[int, int]], bytes]:
    """Split telnet input into (verb, option) negotiations and the plain text between them."""
    commands: list[tuple[int, int]] = []
    text = bytearray()
    i = 0
    while i < len(data):
        byte = data[i]
        if byte != IAC:
            text.append(byte)
            i += 1
        elif i + 2 < len(data) and data[i + 1] in VERBS:
            commands.append((data[i + 1], data[i + 2]))
            i += 3
        elif i + 1 < len(data) and data[i + 1] == SB:  # subnegotiation: skip to IAC SE
            end = data.find(bytes([IAC, SE]), i + 2)
            i = len(data) if end < 0 else end + 2
        else:
            i += 2
    return commands, bytes(text)


def refusal(commands: list[tuple[int, int]]) -> bytes:
    """Answer DO with WONT and WILL with DONT: the minimum a client must say."""
    out = bytearray()
    for verb, option in commands:
        if verb == DO:
            out += bytes([IAC, WONT, option])
        elif verb == WILL:
            out += bytes([IAC, DONT, option])
    return bytes(out)


class TelnetExposed(Check):
    id = "net.telnet-exposed"
    title = "Telnet service exposed (clear-text remote login)"
    family = "network"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("telnet",))
    references = ("CWE-319", "MLPS-8.1.4.1c", "CSL-21")
    remediation = (
        "Disable the telnet service (remove it from inetd or stop telnetd) and use SSH for remote "
        "administration; if a device only offers telnet, reach it only through a management "
        "network or jump host."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        commands: list[tuple[int, int]] = []
        text = b""
        with ctx.connect(target.address, target.service.port, read_limit=65536) as conn:
            for _ in range(4):  # a few negotiation rounds reach the prompt; never loop unbounded
                data = conn.recv_for(1.0 if not commands else 0.7)
                if not data:
                    break
                got, plain = parse(data)
                commands += got
                text += plain
                if b"login" in text.lower() or not got:
                    break
                conn.send(refusal(got))
        if not commands and not text:
            raise Inconclusive("the port accepted a connection but sent nothing within the wait")
        if not commands and b"login" not in text.lower():
            raise NotApplicable(f"the service does not speak telnet: {one_line(text, 120)!r}")
        negotiation = ", ".join(f"IAC {VERBS[v]} {OPTIONS.get(o, str(o))}" for v, o in commands[:8])
        evidence = f"telnet negotiation: {negotiation or 'none'}; prompt: {one_line(text, 200)!r}"
        yield self.finding(target, evidence, detail={"options": sorted({o for _, o in commands})})
