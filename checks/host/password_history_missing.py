"""Old passwords can be reused (no password history).

MLPS 2.0 level 3 (8.1.4.1 a) expects passwords changed periodically; without a history a user
"changes" back to the old password. The check reads the password stacks
(``/etc/pam.d/common-password``, ``system-auth``, ``password-auth``) and
``/etc/security/pwhistory.conf`` and finds ``pam_pwhistory`` (``remember`` from its arguments,
else pwhistory.conf, else its default 10) or pam_unix's ``remember=N``. None, or a
``remember`` below the setting ``min_remember`` (default 5), is a finding.

Commands run (read-only): one ``cat`` loop over the PAM files (shared by the PAM checks).

Sample evidence::

    no pam_pwhistory and no pam_unix remember= on the password stack
    (/etc/pam.d/common-password): old passwords can be reused
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.host._pamstack import (
    COMMAND,
    PASSWORD_STACKS,
    PWHISTORY_CONF,
    modules,
    pam_files,
    settings,
)
from scanner.api import (
    AppliesTo,
    AssetKind,
    Check,
    CheckContext,
    Finding,
    Mode,
    OnsiteTarget,
    Severity,
)


class PasswordHistoryMissing(Check):
    id = "host.password-history-missing"
    title = "Old passwords can be reused (no password history)"
    family = "host"
    mode = Mode.ONSITE
    severity = Severity.LOW
    applies_to = AppliesTo(kinds=(AssetKind.ONSITE,))
    references = ("CWE-262", "MLPS-8.1.4.1a")
    remediation = (
        "Remember the last 5 passwords or more: 'password required pam_pwhistory.so remember=5 "
        "use_authtok' before pam_unix on the password stack (or remember = 5 in "
        "/etc/security/pwhistory.conf)."
    )
    commands = (COMMAND,)

    def run(self, target: OnsiteTarget, ctx: CheckContext) -> Iterator[Finding]:
        files = pam_files(target, ctx)
        stacks = [p for p in PASSWORD_STACKS if p in files.texts]
        want = int(ctx.setting("min_remember", 5))
        conf = settings(files, PWHISTORY_CONF)
        for path in stacks:
            for line in modules(files, path, "password"):
                raw = None
                if line.module == "pam_pwhistory":
                    raw = line.args.get("remember", conf.get("remember", "10"))
                elif line.module == "pam_unix" and "remember" in line.args:
                    raw = line.args["remember"]
                if raw is None:
                    continue
                if raw.isdigit() and int(raw) >= want:
                    return
                yield self.finding(
                    target,
                    f"{path}: {line.module} remember={raw} (fewer than {want} old passwords "
                    "refused)",
                    location="password history",
                )
                return
        yield self.finding(
            target,
            f"no pam_pwhistory and no pam_unix remember= on the password stack "
            f"({', '.join(stacks)}): old passwords can be reused",
            location="password history",
        )
