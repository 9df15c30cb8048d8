"""Any user who knows root's password can become root with su.

MLPS 2.0 level 3 (8.1.4.2 d) expects administrative privilege to be separated and limited;
``pam_wheel`` on su's ``auth`` stack lets only the members of one group (``wheel``, or the
group its ``group=`` names) use su at all. The check reads ``/etc/pam.d/su`` (includes
followed) and finds no active ``auth`` line loading pam_wheel (Debian ships the line commented
out); ``deny`` (the group may *not* su) does not restrict. No ``/etc/pam.d/su`` (no su) is not
applicable.

Commands run (read-only): one ``cat`` loop over the PAM files (shared by the PAM checks).

Sample evidence::

    /etc/pam.d/su loads no pam_wheel on its auth stack: every user may try su to root
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._pamstack import COMMAND, PAM_D, modules, pam_files
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
        if not wheel:
            yield self.finding(
                target,
                f"{SU} loads no pam_wheel on its auth stack: every user may try su to root",
                location="su pam_wheel",
            )
