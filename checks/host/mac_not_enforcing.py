"""No mandatory access control (SELinux or AppArmor) is enforced.

MLPS 2.0 level 3 (8.1.4.2 g) expects security labels on important subjects and objects, with
access controlled by them: on Linux, SELinux or AppArmor enforcing. The check decides on what
the host enforces **at boot**: ``SELINUX=enforcing`` in ``/etc/selinux/config``, or AppArmor
enabled (``apparmor.service`` linked in ``/etc/systemd/system/*.wants``) with at least one
profile in ``/etc/apparmor.d`` not in complain mode; ``selinux=0``, ``enforcing=0``,
``apparmor=0`` or ``security=`` another module on the kernel command line in
``/etc/default/grub`` turns that off. The live state (``getenforce``,
``/sys/module/apparmor/parameters/enabled``) is the kernel's, which containers and test hosts
share with their machine: it is reported in the evidence, and decides only with the setting
``require_live: true``. One live state decides always: SELinux ``Permissive``
(``getenforce``) while the configuration says enforcing. The kernel then runs SELinux and
enforces nothing (``setenforce 0``) until the next boot, whoever shares it, so the
configuration file alone would misreport it.

Commands run (read-only): one ``cat`` loop over ``/etc/selinux/config`` and
``/etc/default/grub`` with a listing of ``/etc/apparmor.d``, the complain-mode profiles and the
live state; ``find /etc/systemd/system -maxdepth 2 -path '*.wants/*'``.

Sample evidence::

    no mandatory access control at boot: SELinux not configured (/etc/selinux/config absent);
    AppArmor: apparmor.service not enabled; live: getenforce absent, AppArmor module absent
    SELinux enforcing in /etc/selinux/config but permissive now (getenforce: Permissive, as
    after setenforce 0): nothing is enforced until it is set back or the host reboots
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from checks.host._files import cat_command, parse_files
from checks.host._units import WANTS, enabled_units
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    Inconclusive,
    Mode,
    OnsiteTarget,
    Severity,
    one_line,
)

SELINUX, GRUB = "/etc/selinux/config", "/etc/default/grub"
PROFILE, COMPLAIN, LIVE = "#=mac-profile=# ", "#=mac-complain=# ", "#=mac-live=# "
COMMAND = cat_command(
    (SELINUX, GRUB),
    tail=(
        'for f in /etc/apparmor.d/*; do [ -f "$f" ] && echo "' + PROFILE + '$f"; done; '
        "grep -l 'flags=([^)]*complain' /etc/apparmor.d/* 2>/dev/null | sed 's|^|"
        + COMPLAIN
        + "|'; command -v getenforce >/dev/null 2>&1 && echo \""
        + LIVE
        + 'selinux $(getenforce 2>&1)"; [ -r /sys/module/apparmor/parameters/enabled ] && '
        'echo "' + LIVE + 'apparmor $(cat /sys/module/apparmor/parameters/enabled)"'
    ),
)
SELINUX_MODE = re.compile(r"^[^\S\n]*SELINUX\s*=\s*\"?(\w+)", re.MULTILINE)
OFF = re.compile(r"\b(?:selinux=0|enforcing=0|apparmor=0|security=(?!selinux|apparmor)\w+)")


class MacNotEnforcing(Check):
    id = "host.mac-not-enforcing"
    title = "No mandatory access control (SELinux or AppArmor) enforced"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.MEDIUM
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-284", "MLPS-8.1.4.2g")
    remediation = (
        "Enforce mandatory access control: on Red Hat family hosts set SELINUX=enforcing in "
        "/etc/selinux/config (restorecon -R /, reboot); on Debian and Ubuntu install apparmor "
        "and apparmor-profiles, systemctl enable --now apparmor, and put the profiles in "
        "enforce mode (aa-enforce /etc/apparmor.d/*)."
    )
    commands = (COMMAND, WANTS)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        files, tail = parse_files(ctx.ssh_run(target, COMMAND), "the MAC configuration")
        lines = tail.splitlines()
        profiles = {ln.removeprefix(PROFILE) for ln in lines if ln.startswith(PROFILE)}
        complain = {ln.removeprefix(COMPLAIN) for ln in lines if ln.startswith(COMPLAIN)}
        live = [one_line(ln.removeprefix(LIVE), 60) for ln in lines if ln.startswith(LIVE)]
        grub = files.texts.get(GRUB, "")
        cmdline = " ".join(
            ln for ln in grub.splitlines() if ln.lstrip().startswith("GRUB_CMDLINE_LINUX")
        )
        off = OFF.findall(cmdline)
        modes = SELINUX_MODE.findall(files.texts.get(SELINUX, ""))
        selinux = modes[-1].lower() if modes else ""
        wants = ctx.ssh_run(target, WANTS)
        if wants.exit_status != 0:
            raise Inconclusive("cannot list the units enabled at boot (/etc/systemd/system)")
        apparmor_on = "apparmor.service" in enabled_units(wants.text)
        enforcing = profiles - complain
        selinux_on = selinux == "enforcing" and not {"selinux=0", "enforcing=0"} & set(off)
        apparmor = apparmor_on and bool(enforcing) and "apparmor=0" not in off
        if selinux_on and not apparmor and "selinux Permissive" in live:
            yield self.finding(
                target,
                f"SELinux enforcing in {SELINUX} but permissive now (getenforce: Permissive, "
                "as after setenforce 0): nothing is enforced until it is set back or the host "
                "reboots",
                location="mandatory access control",
            )
            return
        configured = selinux_on or apparmor
        live_said = ", ".join(live) or "getenforce absent, AppArmor module absent"
        live_on = any(v in ("selinux Enforcing", "apparmor Y") for v in live)
        if configured and (live_on or not ctx.setting("require_live", False)):
            return
        se = (
            f"SELinux {selinux} ({SELINUX})"
            if selinux
            else f"SELinux not configured ({SELINUX} absent)"
        )
        aa = (
            f"{len(enforcing)} enforcing profiles in /etc/apparmor.d"
            if apparmor_on
            else "apparmor.service not enabled"
        )
        said = "enforced at boot but not live" if configured else "no mandatory access control"
        said += " at boot" if not configured else ""
        yield self.finding(
            target,
            f"{said}: {se}; AppArmor: {aa}"
            + (f"; kernel command line: {' '.join(off)}" if off else "")
            + f"; live: {live_said}",
            location="mandatory access control",
        )
