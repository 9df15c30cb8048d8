"""Kernel network and memory hardening settings are off (sysctl).

Common baselines (CIS, the MLPS baseline scripts) expect a server that is not a router to drop
forwarded, redirected and source-routed packets, use SYN cookies and randomise its address
space. The check judges these keys (the setting ``expected`` replaces the table):

======================================  =====
``net.ipv4.ip_forward``                 0
``net.ipv4.conf.all.accept_redirects``  0
``net.ipv4.conf.all.send_redirects``    0
``net.ipv4.conf.all.accept_source_route`` 0
``net.ipv4.tcp_syncookies``             1
``kernel.randomize_va_space``           2
======================================  =====

The value a key gets **at boot** decides: the last one set in ``/etc/sysctl.conf`` and the
``sysctl.d`` folders (``/etc``, ``/run``, ``/usr/local/lib``, ``/usr/lib``, ``/lib``; files in
name order, a name in /etc overriding the same name elsewhere, ``/etc/sysctl.conf`` last).
A key set nowhere is judged by its live value (``/proc/sys``), which the evidence names as
such: the live values belong to the kernel, which containers and test hosts share with their
machine. The clause this evidences is not settled among the baselines (MLPS 8.1.4.4 in some),
so the check cites none.

Commands run (read-only): one ``cat`` loop over the sysctl files, and the live values read
from ``/proc/sys``.

Sample evidence::

    net.ipv4.ip_forward = 1 (/etc/sysctl.d/99-lab.conf; want 0)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.host._files import cat_command, parse_files
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    Mode,
    OnsiteTarget,
    Severity,
    one_line,
)

EXPECTED = {
    "net.ipv4.ip_forward": "0",
    "net.ipv4.conf.all.accept_redirects": "0",
    "net.ipv4.conf.all.send_redirects": "0",
    "net.ipv4.conf.all.accept_source_route": "0",
    "net.ipv4.tcp_syncookies": "1",
    "kernel.randomize_va_space": "2",
}
DIRS = (
    "/etc/sysctl.d",
    "/run/sysctl.d",
    "/usr/local/lib/sysctl.d",
    "/usr/lib/sysctl.d",
    "/lib/sysctl.d",
)
LIVE = "#=sysctl-live=# "
COMMAND = cat_command(
    (*(f"{d}/*.conf" for d in DIRS), "/etc/sysctl.conf"),
    tail=" ".join(
        f'[ -r /proc/sys/{k.replace(".", "/")} ] && echo "{LIVE}{k} '
        f'$(cat /proc/sys/{k.replace(".", "/")})";'
        for k in EXPECTED
    ).rstrip(";"),
)
SETTING = re.compile(r"^[^\S\n]*-?[^\S\n]*([\w./*-]+)[^\S\n]*=[^\S\n]*([^\n]*)$")


def boot_values(texts: dict[str, str]) -> dict[str, tuple[str, str]]:
    """key -> (value, file) as systemd-sysctl applies the files at boot."""
    by_name: dict[str, str] = {}
    for path in texts:
        if path == "/etc/sysctl.conf":
            continue
        folder, name = path.rsplit("/", 1)
        if name not in by_name or DIRS.index(folder) < DIRS.index(by_name[name].rsplit("/", 1)[0]):
            by_name[name] = path
    order = [by_name[n] for n in sorted(by_name)]
    if "/etc/sysctl.conf" in texts:
        order.append("/etc/sysctl.conf")
    values: dict[str, tuple[str, str]] = {}
    for path in order:
        for line in texts[path].splitlines():
            if line.lstrip().startswith(("#", ";")):
                continue
            if m := SETTING.match(line):
                values[m.group(1).replace("/", ".")] = (one_line(m.group(2).strip(), 40), path)
    return values


class KernelSysctlWeak(Check):
    id = "host.kernel-sysctl-weak"
    title = "Kernel network and memory hardening settings are off"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-16",)
    remediation = (
        "Set the listed keys in /etc/sysctl.d/60-hardening.conf (net.ipv4.ip_forward = 0, "
        "net.ipv4.conf.all.accept_redirects = 0, net.ipv4.conf.all.send_redirects = 0, "
        "net.ipv4.conf.all.accept_source_route = 0, net.ipv4.tcp_syncookies = 1, "
        "kernel.randomize_va_space = 2) and apply them with sysctl --system."
    )
    commands = (COMMAND,)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        files, tail = parse_files(ctx.ssh_run(target, COMMAND), "the sysctl configuration")
        boot = boot_values(files.texts)
        live = {}
        for line in tail.splitlines():
            if line.startswith(LIVE):
                key, _, value = line.removeprefix(LIVE).partition(" ")
                live[key] = one_line(value.strip(), 40)
        expected = dict(ctx.setting("expected", EXPECTED))
        for key, want in expected.items():
            if key in boot:
                value, source = boot[key]
            elif key in live:
                value, source = live[key], "live value, set in no sysctl file"
            else:
                continue
            if value != str(want):
                yield self.finding(
                    target,
                    f"{key} = {value} ({source}; want {want})",
                    location=f"sysctl {key}",
                )
