"""Any user who knows root's password can become root with su.

MLPS 2.0 level 3 (8.1.4.2 d) expects administrative privilege to be separated and limited;
``pam_wheel`` on su's ``auth`` stack lets only the members of one group (``wheel``, or the
group its ``group=`` names) use su at all. The check reads ``/etc/pam.d/su`` (includes
followed) and finds no active ``auth`` line that makes pam_wheel's verdict binding (Debian and
Red Hat ship the lines commented out): ``required``, ``requisite`` or a ``[...]`` control with
``default=die``/``default=bad``. ``auth sufficient pam_wheel.so trust use_uid`` (Red Hat's
other commented line) restricts nothing: a user outside the group just goes on to the password
prompt, and the group's members su without a password; ``deny`` (the group may *not* su) does not
restrict either. No ``/etc/pam.d/su`` (no su) is not applicable.

Commands run (read-only): one ``cat`` loop over the PAM files (shared by the PAM checks).

Sample evidence::

    /etc/pam.d/su loads no pam_wheel on its auth stack: every user may try su to root
    /etc/pam.d/su: auth sufficient pam_wheel trust (not binding: every user may still try su
    to root; the group's members get root without a password)
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._pamstack import COMMAND, PAM_D, binding, modules, pam_files
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    Mode,
    NotApplicable,
    OnsiteTarget,
    Severity,
)

SU = PAM_D + "su"


class SuUnrestricted(Check):
    id = "host.su-unrestricted"
    title = "su to root is not restricted to an administrators' group"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-269", "MLPS-8.1.4.2d")
    remediation = (
        "Restrict su to the administrators: enable 'auth required pam_wheel.so use_uid "
        "group=wheel' in /etc/pam.d/su and put only the administrators in that group."
    )
    commands = (COMMAND,)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        files = pam_files(target, ctx)
        if SU not in files.texts:
            raise NotApplicable(f"{SU} does not exist (no su on this host)")
        wheel = [
            line
            for line in modules(files, SU, "auth")
            if line.module == "pam_wheel" and "deny" not in line.flags
        ]
        if any(binding(line.control) for line in wheel):
            return
        if not wheel:
            said = f"{SU} loads no pam_wheel on its auth stack: every user may try su to root"
        else:
            line = wheel[0]
            trust = " trust" if "trust" in line.flags else ""
            said = f"{SU}: auth {line.control} pam_wheel{trust} (not binding: every user may "
            said += "still try su to root"
            said += "; the group's members get root without a password)" if trust else ")"
        yield self.finding(target, said, location="su pam_wheel")
